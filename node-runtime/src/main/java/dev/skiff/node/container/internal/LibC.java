package dev.skiff.node.container.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/** The few libc calls Java lacks. Methods throw {@link LastErrorException} carrying errno. */
interface LibC extends Library {
  LibC INSTANCE = Native.load("c", LibC.class);

  int MNT_DETACH = 2;
  int EINVAL = 22;
  int ENOENT = 2;

  int mount(String source, String target, String fstype, NativeLong flags, String data)
      throws LastErrorException;

  int umount2(String target, int flags) throws LastErrorException;
}
