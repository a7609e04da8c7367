import Foundation
import NIOCore
import NIOPosix

/// A TCP relay between a client and a server (the store and PostgreSQL) that a test can cut:
/// `cut()` closes every connection through it and stops listening, so that for the client the
/// server is gone; `restore()` listens again on the same port.
final class SeveredLink: @unchecked Sendable {
    let port: Int
    private let targetHost: String
    private let targetPort: Int
    private let lock = NSLock()
    private var listener: (any Channel)?
    private var channels: [ObjectIdentifier: any Channel] = [:]

    /// Relays from a free loopback port to `host:port`.
    init(to host: String, port targetPort: Int, listeningOn port: Int) async throws {
        (targetHost, self.targetPort, self.port) = (host, targetPort, port)
        try await restore()
    }

    /// Listens again (after `cut`) on the same port.
    func restore() async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { [self] inbound in accept(inbound) }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        lock.withLock { listener = channel }
    }

    /// Closes every relayed connection and the listener.
    func cut() {
        let closing = lock.withLock { () -> [any Channel] in
            defer { (listener, channels) = (nil, [:]) }
            return Array(channels.values) + (listener.map { [$0] } ?? [])
        }
        for channel in closing { channel.close(promise: nil) }
    }

    private func track(_ channel: any Channel) {
        lock.withLock { channels[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = lock.withLock { channels.removeValue(forKey: ObjectIdentifier(channel)) } }
    }

    private func accept(_ inbound: any Channel) -> EventLoopFuture<Void> {
        track(inbound)
        let toServer = Relay()
        return inbound.pipeline.addHandler(toServer).flatMap { [self] in
            ClientBootstrap(group: inbound.eventLoop)
                .channelInitializer { outbound in outbound.pipeline.addHandler(Relay(partner: inbound)) }
                .connect(host: targetHost, port: targetPort)
        }.flatMap { [self] outbound in
            track(outbound)
            toServer.partner = outbound
            return inbound.setOption(.autoRead, value: true)
        }.flatMapErrorThrowing { error in
            inbound.close(promise: nil)
            throw error
        }
    }

    /// Writes what one side reads to the other; closes the other when one side closes.
    private final class Relay: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var partner: (any Channel)?

        init(partner: (any Channel)? = nil) { self.partner = partner }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            partner?.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner?.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
