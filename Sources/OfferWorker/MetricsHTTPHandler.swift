import Logging
import NIOCore
import NIOHTTP1

/// One connection of the metrics port, after NIO's HTTP/1 decoder: answers each complete
/// request from ``MetricsRoutes``, keeps the connection for the next one when the client asks
/// for keep-alive, and refuses what could tie the worker up.
///
/// - A request whose head or body goes over the byte bound is answered 431 or 413 and the
///   connection closed; malformed requests get 400 the same way. The close lingers briefly
///   (output shut, input discarded) so the client can read the answer rather than a reset.
/// - A connection that goes quiet is closed by the idle and request timers set up by
///   ``MetricsEndpoint``; this handler closes it on the idle event.
/// - A client that sends requests without reading the answers stops being read once its
///   answers fill the send buffer, and is closed if it still asks for more.
///
/// Runs on the connection's event loop only, like every NIO handler.
final class MetricsHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case awaitingHead
        case receiving(HTTPRequestHead, bodyAllowance: Int)
        /// A refusal was sent: what the client still sends is discarded until the close.
        case closing
    }

    private let routes: MetricsRoutes
    private let maxRequestBytes: Int
    private let lingerTime: TimeAmount
    private let deadline: RequestDeadlineHandler
    private let logger: Logger
    private var state = State.awaitingHead
    /// A read was held back because the client is not taking its answers.
    private var readHeld = false

    init(routes: MetricsRoutes, maxRequestBytes: Int, lingerTime: TimeAmount, deadline: RequestDeadlineHandler, logger: Logger) {
        self.routes = routes
        self.maxRequestBytes = maxRequestBytes
        self.lingerTime = lingerTime
        self.deadline = deadline
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (part, state) {
        case (_, .closing):
            return
        case (.head(let head), .awaitingHead):
            let allowance = maxRequestBytes - Self.approximateSize(of: head)
            if let declared = head.headers.first(name: "content-length").flatMap(Int.init), declared > allowance {
                refuse(context: context, status: .payloadTooLarge, reason: "request body over the \(maxRequestBytes)-byte bound")
                return
            }
            state = .receiving(head, bodyAllowance: allowance)
        case (.body(let buffer), .receiving(let head, let allowance)):
            guard buffer.readableBytes <= allowance else {
                refuse(context: context, status: .payloadTooLarge, reason: "request body over the \(maxRequestBytes)-byte bound")
                return
            }
            state = .receiving(head, bodyAllowance: allowance - buffer.readableBytes)
        case (.end, .receiving(let head, _)):
            deadline.requestEnded()
            state = .awaitingHead
            respond(context: context, to: head)
        default:
            // The decoder never sends parts out of order; close rather than guess.
            state = .closing
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if case .closing = state { return }
        if let parserError = error as? HTTPParserError {
            if case .headerOverflow = parserError {
                refuse(context: context, status: .requestHeaderFieldsTooLarge, reason: "request head over the \(maxRequestBytes)-byte bound")
            } else {
                refuse(context: context, status: .badRequest, reason: "malformed HTTP request (\(parserError))")
            }
            return
        }
        logger.debug("metrics connection closed on error", metadata: ["error": "\(error)"])
        state = .closing
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            logger.debug("metrics connection closed: idle")
            state = .closing
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Backpressure

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readHeld {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Answers

    private func respond(context: ChannelHandlerContext, to head: HTTPRequestHead) {
        guard context.channel.isWritable else {
            // Its earlier answers are still unsent: it asks without reading.
            logger.debug("metrics connection closed: the client does not read its answers")
            state = .closing
            context.close(promise: nil)
            return
        }
        let response = routes.respond(method: head.method, uri: head.uri)
        let keepAlive = head.isKeepAlive
        let sent = write(response, version: head.version, keepAlive: keepAlive, context: context)
        if !keepAlive {
            state = .closing
            sent.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// Answers `status` and closes: output first, input after `lingerTime`, so the answer
    /// is not lost to a reset caused by the unread rest of the request.
    private func refuse(context: ChannelHandlerContext, status: HTTPResponseStatus, reason: String) {
        logger.debug("metrics request refused", metadata: ["status": "\(status.code)", "reason": "\(reason)"])
        state = .closing
        deadline.requestEnded()
        let response = MetricsRoutes.Response(status: status, body: Array("\(reason)\n".utf8))
        let sent = write(response, version: .http1_1, keepAlive: false, context: context)
        sent.assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: lingerTime) {
            context.close(promise: nil)
        }
    }

    private func write(_ response: MetricsRoutes.Response, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        var headers = HTTPHeaders([
            ("Content-Type", response.contentType),
            ("Content-Length", "\(response.body.count)"),
            ("Cache-Control", "no-store"),
            ("Connection", keepAlive ? "keep-alive" : "close"),
        ])
        headers.add(contentsOf: response.extraHeaders)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
        // The encoder leaves the body out of answers to HEAD.
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }

    /// The head's size on the wire, near enough to charge it against the request bound (the
    /// decoder already caps the head itself at that bound).
    private static func approximateSize(of head: HTTPRequestHead) -> Int {
        head.headers.reduce(head.uri.utf8.count + 16) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }
}

/// Sits before the HTTP decoder and closes a connection whose request, once its first byte
/// has arrived, is not complete within the request timeout: a client dribbling a request
/// (a byte every few seconds) resets no idle timer, so this is what bounds it.
///
/// A connection with no request in progress is left to the idle timeout.
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var inRequest = false

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !inRequest {
            inRequest = true
            let timeout = self.timeout
            let logger = self.logger
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                logger.debug("metrics connection closed: request not complete in time", metadata: ["timeout": "\(timeout)"])
                context.close(promise: nil)
            }
        }
        context.fireChannelRead(data)
    }

    /// Called by ``MetricsHTTPHandler`` when a whole request has arrived (or was refused).
    func requestEnded() {
        inRequest = false
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        requestEnded()
        context.fireChannelInactive()
    }
}
