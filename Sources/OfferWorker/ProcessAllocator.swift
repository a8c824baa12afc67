#if canImport(Glibc)
import Glibc
#endif

/// The allocator that serves this process's `malloc`, named by the library whose code holds
/// the `malloc` the dynamic linker bound: `offer-worker` links mimalloc, which replaces the C
/// library's allocator for the whole process, and the start-up log says so. A build or an
/// image that lost the library would fall back to glibc silently, at a fifth of the
/// processing loop's CPU: the log line is where an operator sees it.
enum ProcessAllocator {
    /// `mimalloc`, `glibc`, another file's name, or `unknown`.
    static let name: String = {
        #if canImport(Glibc)
        // `nil` is RTLD_DEFAULT: the symbol every `malloc` call in the process resolves to.
        guard let symbol = dlsym(nil, "malloc"), let file = mappedFile(containing: UInt(bitPattern: symbol)) else { return "unknown" }
        if file.hasPrefix("libmimalloc") { return "mimalloc" }
        if file.hasPrefix("libc.so") { return "glibc" }
        return file
        #else
        return "unknown"
        #endif
    }()

    /// The name of the file mapped at `address` (`/proc/self/maps`; `dladdr` is not
    /// available to Swift on Linux).
    private static func mappedFile(containing address: UInt) -> String? {
        guard let file = fopen("/proc/self/maps", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = text.split(separator: " ", omittingEmptySubsequences: true)
            let range = fields.first?.split(separator: "-")
            guard fields.count >= 6, let range, range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                  start <= address, address < end
            else { continue }
            let path = fields[5].prefix { $0 != "\n" }
            return path.split(separator: "/").last.map(String.init) ?? String(path)
        }
        return nil
    }
}
