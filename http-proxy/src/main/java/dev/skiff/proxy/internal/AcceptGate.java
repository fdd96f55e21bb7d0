package dev.skiff.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.Predicate;

/**
 * Sits in a listening socket's pipeline, in front of Netty's acceptor, and sees every accepted
 * connection before it is registered or has sent a byte: a connection {@code admit} refuses is
 * closed there and then, so it never holds its file descriptor longer than the accept took.
 */
final class AcceptGate extends ChannelInboundHandlerAdapter {
  private final Predicate<Channel> admit;

  AcceptGate(Predicate<Channel> admit) {
    this.admit = admit;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Channel child && !admit.test(child)) {
      child.unsafe().closeForcibly();
      return;
    }
    ctx.fireChannelRead(msg);
  }
}
