;; greet: a WAGI function written by hand in WebAssembly text.
;;
;; Prints a plain-text greeting followed by the request path (PATH_INFO), read from the
;; environment with WASI's environ_sizes_get/environ_get.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (memory (export "memory") 2)

  ;; 0..15: iovec and nwritten; 16..23: environ sizes
  (data (i32.const 64) "Content-Type: text/plain\n\nGreetings from WAT! You asked for ")  ;; 60 bytes
  (data (i32.const 128) "PATH_INFO=")  ;; 10 bytes
  (data (i32.const 144) "\n")

  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  ;; Does the NUL-terminated string at $s start with the 10 bytes at 128 ("PATH_INFO=")?
  (func $is_path_info (param $s i32) (result i32) (local $i i32)
    (block $no
      (loop $next
        (br_if $no (i32.ne (i32.load8_u (i32.add (local.get $s) (local.get $i)))
                           (i32.load8_u (i32.add (i32.const 128) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (i32.const 10))))
      (return (i32.const 1)))
    (i32.const 0))

  (func $strlen (param $s i32) (result i32) (local $n i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func (export "_start") (local $count i32) (local $i i32) (local $entry i32)
    (call $write (i32.const 64) (i32.const 60))
    (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
    ;; pointers at 4096 (at most 1024 of them), strings from 8192 on
    (if (i32.le_u (i32.load (i32.const 16)) (i32.const 1024))
      (then
        (if (i32.le_u (i32.load (i32.const 20)) (i32.const 122880))
          (then
            (drop (call $environ_get (i32.const 4096) (i32.const 8192)))
            (local.set $count (i32.load (i32.const 16)))))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $entry (i32.load (i32.add (i32.const 4096) (i32.shl (local.get $i) (i32.const 2)))))
        (if (call $is_path_info (local.get $entry))
          (then
            (call $write (i32.add (local.get $entry) (i32.const 10))
                         (i32.sub (call $strlen (local.get $entry)) (i32.const 10)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $write (i32.const 144) (i32.const 1))))
