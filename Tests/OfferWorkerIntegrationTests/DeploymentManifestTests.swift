import Foundation
import OfferEngine
import OfferWorker
import Testing
import Yams

/// `deploy/` as an operator applies it: the Kubernetes manifests, the docker-compose file and
/// the Dockerfile, parsed (nothing is built or run: there is no Docker here) and checked for
/// what makes them work as written. No broker needed.
@Suite("Deployment manifests: Kubernetes, docker-compose, Dockerfile")
struct DeploymentManifestTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let topics = TopicNames()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every document of the Kubernetes file, by kind.
    static func kubernetes() throws -> [String: [String: Any]] {
        var byKind: [String: [String: Any]] = [:]
        for document in try Yams.load_all(yaml: read("deploy/kubernetes.yaml")) {
            let object = try #require(document as? [String: Any], "every document is a mapping")
            let kind = try #require(object["kind"] as? String)
            #expect(object["apiVersion"] is String, "\(kind) has an apiVersion")
            #expect(byKind[kind] == nil, "one \(kind)")
            byKind[kind] = object
        }
        return byKind
    }

    static func compose() throws -> [String: Any] {
        try #require(try Yams.load(yaml: read("deploy/docker-compose.yml")) as? [String: Any])
    }

    /// The value following `flag` in `arguments`.
    static func value(of flag: String, in arguments: [String]) -> String? {
        arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }

    /// One `create --topic NAME --partitions N [--config k=v]...` line of the topics service.
    struct CreatedTopic {
        var partitions: Int
        var config: [String: String]
    }

    /// The topics the compose file's one-shot service creates.
    static func createdTopics(_ compose: [String: Any]) throws -> [String: CreatedTopic] {
        let service = try #require(services(compose)["topics"])
        let command = try #require(service["command"] as? [String]).joined(separator: "\n")
        var created: [String: CreatedTopic] = [:]
        for line in command.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard words.first == "create", let name = value(of: "--topic", in: words) else { continue }
            let partitions = try #require(value(of: "--partitions", in: words).flatMap { Int($0) }, "partitions of \(name)")
            var config: [String: String] = [:]
            for (index, word) in words.enumerated() where word == "--config" && index + 1 < words.count {
                let pair = words[index + 1].split(separator: "=", maxSplits: 1).map(String.init)
                config[pair[0]] = pair.count > 1 ? pair[1] : ""
            }
            #expect(created[name] == nil, "\(name) created once")
            created[name] = CreatedTopic(partitions: partitions, config: config)
        }
        return created
    }

    static func services(_ compose: [String: Any]) throws -> [String: [String: Any]] {
        try #require(compose["services"] as? [String: [String: Any]])
    }

    /// The input topics' partition count in the compose file, checked equal across inputs.
    static func inputPartitions() throws -> Int {
        let created = try createdTopics(compose())
        let counts = Set(try (topics.inputs + [topics.offerDeclined]).map { try #require(created[$0], "\($0) created").partitions })
        try #require(counts.count == 1, "the input topics are co-partitioned: \(counts)")
        return counts.first!
    }

    /// Seconds of a compose duration such as `45s` or `1m30s`.
    static func seconds(_ duration: String) -> Int? {
        var total = 0, number = ""
        for character in duration {
            if character.isNumber { number.append(character); continue }
            guard let value = Int(number) else { return nil }
            switch character {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            default: return nil
            }
            number = ""
        }
        return number.isEmpty ? total : nil
    }

    // MARK: Kubernetes

    @Test("the Deployment probes /healthz and /readyz on the metrics port the worker serves")
    func probes() throws {
        let objects = try Self.kubernetes()
        let deployment = try #require(objects["Deployment"])
        let pod = try #require((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])
        let podSpec = try #require(pod["spec"] as? [String: Any])
        let container = try #require((podSpec["containers"] as? [[String: Any]])?.first)
        let args = try #require(container["args"] as? [String])
        #expect(args.first == "run")
        let metricsPort = try #require(Self.value(of: "--metrics-port", in: args).flatMap { Int($0) })
        let ports = try #require(container["ports"] as? [[String: Any]])
        let named = try #require(ports.first(where: { $0["containerPort"] as? Int == metricsPort }), "a container port \(metricsPort)")
        let portName = try #require(named["name"] as? String)

        for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any], "\(probe)")
            #expect(get["path"] as? String == path, "\(probe) asks \(path)")
            let port = get["port"]
            #expect(port as? String == portName || port as? Int == metricsPort, "\(probe) on the metrics port")
        }
        let resources = try #require(container["resources"] as? [String: Any])
        let requests = try #require(resources["requests"] as? [String: Any])
        let limits = try #require(resources["limits"] as? [String: Any])
        #expect(requests["cpu"] != nil && requests["memory"] != nil)
        #expect(limits["memory"] != nil)

        // The Service exposes the same port to Prometheus, selecting the pods.
        let service = try #require(objects["Service"]?["spec"] as? [String: Any])
        let podLabels = try #require((pod["metadata"] as? [String: Any])?["labels"] as? [String: String])
        let selector = try #require(service["selector"] as? [String: String])
        #expect(selector.allSatisfy { podLabels[$0.key] == $0.value })
        let servicePort = try #require((service["ports"] as? [[String: Any]])?.first)
        #expect(servicePort["targetPort"] as? String == portName || servicePort["targetPort"] as? Int == metricsPort)
    }

    @Test("the grace period is above --shutdown-timeout, and pods use static group membership")
    func shutdownAndMembership() throws {
        let deployment = try #require(try Self.kubernetes()["Deployment"])
        let pod = try #require(((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let args = try #require(container["args"] as? [String])
        let timeout = try #require(Self.value(of: "--shutdown-timeout", in: args).flatMap { Int($0) })
        #expect(WorkerConfiguration.Bounds.shutdownTimeoutSeconds.contains(timeout))
        let grace = try #require(pod["terminationGracePeriodSeconds"] as? Int)
        #expect(grace > timeout, "the kubelet waits \(grace) s, longer than the worker's \(timeout) s shutdown")

        let env = try #require(container["env"] as? [[String: Any]])
        func variable(_ name: String) -> [String: Any]? { env.first { $0["name"] as? String == name } }
        #expect(variable("OFFER_WORKER_KAFKA_GROUP_INSTANCE_ID")?["value"] as? String == "$(POD_NAME)")
        let podName = (variable("POD_NAME")?["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any]
        #expect(podName?["fieldPath"] as? String == "metadata.name")
        let session = try #require((variable("OFFER_WORKER_KAFKA_SESSION_TIMEOUT_MS")?["value"] as? String).flatMap { Int($0) })
        #expect(session >= 6000, "a restart within session.timeout.ms keeps the member's partitions")
    }

    @Test("the catalog comes from the ConfigMap and the SASL password from the Secret, as mounted files")
    func configMapAndSecret() throws {
        let objects = try Self.kubernetes()
        let deployment = try #require(objects["Deployment"])
        let pod = try #require(((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let args = try #require(container["args"] as? [String])
        let volumes = try #require(pod["volumes"] as? [[String: Any]])
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        func mountPath(ofVolumeWhere match: ([String: Any]) -> Bool) throws -> String {
            let found = volumes.first(where: match)
            let volume = try #require(found)
            let mount = try #require(mounts.first { $0["name"] as? String == volume["name"] as? String })
            return try #require(mount["mountPath"] as? String)
        }

        let configMap = try #require(objects["ConfigMap"])
        let configMapName = try #require((configMap["metadata"] as? [String: Any])?["name"] as? String)
        let catalogJSON = try #require((configMap["data"] as? [String: String])?["offers.json"])
        #expect(try OfferCatalog.load(json: Data(catalogJSON.utf8)).offers.isEmpty == false)
        let offersDirectory = try mountPath { ($0["configMap"] as? [String: Any])?["name"] as? String == configMapName }
        #expect(Self.value(of: "--offers", in: args) == offersDirectory + "/offers.json")

        let secret = try #require(objects["Secret"])
        let secretName = try #require((secret["metadata"] as? [String: Any])?["name"] as? String)
        let secretKeys = Set(((secret["stringData"] as? [String: Any]) ?? (secret["data"] as? [String: Any]) ?? [:]).keys)
        let secretDirectory = try mountPath { ($0["secret"] as? [String: Any])?["secretName"] as? String == secretName }
        let password = try #require(args.first { $0.hasPrefix("sasl.password=@") }, "the password is read from a file")
        let passwordFile = String(password.dropFirst("sasl.password=@".count))
        #expect(passwordFile.hasPrefix(secretDirectory + "/"))
        #expect(secretKeys.contains(String(passwordFile.dropFirst(secretDirectory.count + 1))))
        #expect(!args.contains { $0.contains("change-me") }, "no secret on the command line")
        // KEDA authenticates with keys of the same Secret.
        let authentication = try #require(objects["TriggerAuthentication"]?["spec"] as? [String: Any])
        for reference in try #require(authentication["secretTargetRef"] as? [[String: Any]]) {
            #expect(reference["name"] as? String == secretName)
            #expect(secretKeys.contains(reference["key"] as? String ?? ""), "\(reference)")
        }
    }

    @Test("a PodDisruptionBudget covers the pods")
    func disruptionBudget() throws {
        let objects = try Self.kubernetes()
        let budget = try #require(objects["PodDisruptionBudget"]?["spec"] as? [String: Any])
        #expect(budget["maxUnavailable"] as? Int == 1 || budget["minAvailable"] != nil)
        let selector = try #require((budget["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        let deployment = try #require(objects["Deployment"]?["spec"] as? [String: Any])
        let labels = try #require(((deployment["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"] as? [String: String])
        #expect(!selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value })
    }

    @Test("KEDA scales on the group's Kafka lag, at most to the input partition count")
    func scaledObject() throws {
        let objects = try Self.kubernetes()
        let scaled = try #require(objects["ScaledObject"]?["spec"] as? [String: Any])
        let deployment = try #require(objects["Deployment"])
        #expect((scaled["scaleTargetRef"] as? [String: Any])?["name"] as? String == (deployment["metadata"] as? [String: Any])?["name"] as? String)
        let trigger = try #require((scaled["triggers"] as? [[String: Any]])?.first { $0["type"] as? String == "kafka" })
        let metadata = try #require(trigger["metadata"] as? [String: String], "trigger metadata values are strings")
        let lag = try #require(metadata["lagThreshold"].flatMap { Int($0) })
        #expect(lag > 0)
        let container = try #require(((((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first)
        let args = try #require(container["args"] as? [String])
        #expect(metadata["consumerGroup"] == (Self.value(of: "--group-id", in: args) ?? "offer-worker"))
        #expect(metadata["allowIdleConsumers"] != "true")
        let minimum = try #require(scaled["minReplicaCount"] as? Int)
        let maximum = try #require(scaled["maxReplicaCount"] as? Int)
        #expect(minimum >= 1, "a pod stays up, its carts' state warm")
        let partitions = try Self.inputPartitions()
        #expect(maximum <= partitions, "maxReplicaCount \(maximum) is over the \(partitions) input partitions")
        #expect(minimum <= maximum)
    }

    // MARK: docker-compose

    @Test("compose starts Kafka in KRaft mode, without ZooKeeper")
    func kraft() throws {
        let kafka = try #require(try Self.services(Self.compose())["kafka"])
        #expect((kafka["image"] as? String)?.hasPrefix("apache/kafka:") == true)
        let environment = try #require(kafka["environment"] as? [String: Any])
        func setting(_ name: String) -> String? { environment[name].map { "\($0)" } }
        let roles = Set((setting("KAFKA_PROCESS_ROLES") ?? "").split(separator: ",").map(String.init))
        #expect(roles == ["broker", "controller"])
        let controller = try #require(setting("KAFKA_CONTROLLER_LISTENER_NAMES"))
        #expect(setting("KAFKA_LISTENERS")?.contains("\(controller)://") == true)
        #expect(setting("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")?.contains("\(controller):") == true)
        let nodeId = try #require(setting("KAFKA_NODE_ID"))
        #expect(setting("KAFKA_CONTROLLER_QUORUM_VOTERS")?.hasPrefix("\(nodeId)@") == true)
        #expect(setting("CLUSTER_ID")?.isEmpty == false)
        #expect(!environment.keys.contains { $0.contains("ZOOKEEPER") })
        #expect(setting("KAFKA_AUTO_CREATE_TOPICS_ENABLE") == "false", "topics come from the topics service, with their settings")
        #expect(kafka["healthcheck"] != nil)
    }

    @Test("compose creates every topic: inputs co-partitioned, the changelog partitioned like them, state and catalog compacted")
    func composeTopics() throws {
        let compose = try Self.compose()
        let created = try Self.createdTopics(compose)
        for topic in Self.topics.all { #expect(created[topic] != nil, "\(topic) is created") }
        let inputs = try Self.inputPartitions()
        #expect(created[Self.topics.changelog]?.partitions == inputs, "the changelog has as many partitions as the inputs")
        #expect(created[Self.topics.changelog]?.config["cleanup.policy"] == "compact")

        let worker = try #require(try Self.services(compose)["worker"])
        let command = try #require(worker["command"] as? [String])
        let catalogTopic = try #require(Self.value(of: "--offers-topic", in: command))
        #expect(created[catalogTopic]?.config["cleanup.policy"] == "compact", "the catalog topic \(catalogTopic) is compacted")
        for topic in Self.topics.inputs + Self.topics.outputs {
            #expect(created[topic]?.config["cleanup.policy"] == nil, "\(topic) keeps every record (delete policy)")
        }
        let dependencies = try #require(worker["depends_on"] as? [String: [String: String]])
        #expect(dependencies["topics"]?["condition"] == "service_completed_successfully")
    }

    @Test("the compose worker has a health check on /healthz, static membership and a stop grace period above --shutdown-timeout")
    func composeWorker() throws {
        let worker = try #require(try Self.services(Self.compose())["worker"])
        let command = try #require(worker["command"] as? [String])
        #expect(command.first == "run")
        #expect(Self.value(of: "--bootstrap-servers", in: command) == "kafka:9092")
        let port = try #require(Self.value(of: "--metrics-port", in: command))
        let test = try #require((worker["healthcheck"] as? [String: Any])?["test"] as? [String]).joined(separator: " ")
        #expect(test.contains(":\(port)/healthz"))
        let timeout = try #require(Self.value(of: "--shutdown-timeout", in: command).flatMap { Int($0) })
        let grace = try #require((worker["stop_grace_period"] as? String).flatMap(Self.seconds))
        #expect(grace > timeout)
        let environment = try #require(worker["environment"] as? [String: Any])
        #expect((environment["OFFER_WORKER_KAFKA_GROUP_INSTANCE_ID"] as? String)?.isEmpty == false)
        #expect((worker["build"] as? [String: Any])?["dockerfile"] as? String == "deploy/Dockerfile")
    }

    // MARK: Dockerfile

    @Test("the Dockerfile builds with the Swift image through scripts/build, the script CI runs, and runs on slim Debian as a non-root user with a health check")
    func dockerfile() throws {
        let dockerfile = try Self.read("deploy/Dockerfile")
        // Instructions, continuation lines joined, comments dropped.
        let instructions = dockerfile.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let froms = instructions.filter { $0.hasPrefix("FROM ") }
        #expect(froms.count == 2, "multi-stage: build, then run")
        let builder = try #require(froms.first).split(separator: " ").map(String.init)
        let image = builder[1]
        #expect(image.hasPrefix("swift:6.") && image.hasSuffix("-bookworm"), "\(image)")
        // The image's Swift can read the manifest.
        let manifest = try Self.read("Package.swift")
        let tools = try #require(manifest.split(separator: "\n").first?.split(separator: ":").last.map(String.init))
        let imageVersion = image.dropFirst("swift:".count).dropLast("-bookworm".count)
        #expect(imageVersion.split(separator: ".").compactMap { Int($0) }.lexicographicallyPrecedes(tools.split(separator: ".").compactMap { Int($0) }) == false)
        #expect(froms.last == "FROM debian:bookworm-slim")

        let runs = instructions.filter { $0.hasPrefix("RUN ") }
        let build = try #require(runs.first { $0.contains("scripts/build ") }, "the build runs scripts/build")
        // Every `swift build` of the image is the script's, except asking for the output path.
        for run in runs {
            for command in run.components(separatedBy: "&&") where command.contains("swift build") {
                #expect(command.contains("--show-bin-path"), "a bare `swift build` in the Dockerfile: \(command)")
            }
        }
        #expect(build.contains("--product offer-worker"))
        #expect(build.contains("-c release"))
        // CI: .ci/run → scripts/test → scripts/build → swift build.
        #expect(try Self.read(".ci/run").contains("scripts/test"))
        let test = try Self.read("scripts/test")
        #expect(test.contains("scripts/build --build-tests"))
        #expect(!test.split(separator: "\n").contains { $0.hasPrefix("swift build") }, "scripts/test builds only through scripts/build")
        let script = try Self.read("scripts/build")
        #expect(script.contains("scripts/ensure-deps"))
        #expect(script.contains(#"swift build "$@""#))

        let runtime = instructions.drop(while: { $0 != "FROM debian:bookworm-slim" })
        #expect(runtime.contains { $0.hasPrefix("RUN ") && $0.contains("librdkafka1") })
        // The allocator the executable is linked with (Package.swift): without it, it does not start.
        #expect(runtime.contains { $0.hasPrefix("RUN ") && $0.contains("libmimalloc2.0") })
        let user = try #require(runtime.last { $0.hasPrefix("USER ") })
        let uid = user.dropFirst("USER ".count).split(separator: ":").first.map(String.init) ?? ""
        #expect(uid != "root" && uid != "0" && !uid.isEmpty)
        let health = try #require(runtime.first { $0.hasPrefix("HEALTHCHECK ") })
        let cmd = try #require(runtime.last { $0.hasPrefix("CMD ") })
        let cmdArguments = try #require(try JSONSerialization.jsonObject(with: Data(cmd.dropFirst("CMD ".count).utf8)) as? [String])
        let port = try #require(Self.value(of: "--metrics-port", in: cmdArguments))
        #expect(health.contains(":\(port)/healthz"))
        #expect(runtime.contains { $0.hasPrefix("RUN ") && $0.contains("curl") }, "the health check's curl is installed")
    }
}
