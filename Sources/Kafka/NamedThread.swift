import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts threads under a name the operating system shows: in `top -H`, `perf`, `gdb` and
/// `/proc/<pid>/task/*/comm`, which is where an operator looks for the thread that is busy.
///
/// On Linux, Foundation keeps `Thread.name` in the `Thread` object only: the kernel's name
/// stays the creating thread's, which for a thread started from a task is Swift's pool
/// thread (`…default-qos`), so every thread of the worker looked alike. The name is set
/// from inside the new thread, cut to the kernel's limit of ``maximumLength`` bytes.
public enum NamedThread {
    /// The longest name Linux keeps (16 bytes with the terminating zero).
    public static let maximumLength = 15

    /// Starts a thread named `name` that runs `body`.
    public static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            nameCurrentThread(name)
            body()
        }
        thread.name = name
        thread.start()
    }

    /// Gives the calling thread `name` (its first ``maximumLength`` bytes, whole characters).
    public static func nameCurrentThread(_ name: String) {
        var cut = ""
        for character in name where cut.utf8.count + character.utf8.count <= maximumLength { cut.append(character) }
        #if os(Linux)
        // `pthread_setname_np` is not in Swift's Glibc module (it needs _GNU_SOURCE); the
        // kernel takes the same name written to the thread's `comm`.
        let file = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard file >= 0 else { return }
        defer { close(file) }
        _ = cut.utf8CString.withUnsafeBufferPointer { write(file, $0.baseAddress, $0.count - 1) }
        #else
        _ = pthread_setname_np(cut)
        #endif
    }
}
