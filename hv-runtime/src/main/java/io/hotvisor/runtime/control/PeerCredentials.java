package io.hotvisor.runtime.control;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Who is on the other end of a control connection. Production reads {@code SO_PEERCRED} from the
 * kernel; tests that cannot switch users inject another source.
 */
@FunctionalInterface
public interface PeerCredentials {
    /** The peer's user name. */
    String userOf(SocketChannel channel) throws IOException;

    /** The kernel's answer: {@code SO_PEERCRED} through {@link jdk.net.ExtendedSocketOptions}. */
    PeerCredentials KERNEL = channel -> channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
}
