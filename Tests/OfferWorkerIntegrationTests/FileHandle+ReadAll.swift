import Foundation
import Glibc

extension FileHandle {
    /// Everything up to end of file, reading again when a signal interrupts a read.
    ///
    /// Foundation's `readDataToEndOfFile()` traps on `EINTR`, and this test process receives
    /// signals while it waits on a child's output (a `SIGCHLD` for every child of the suites
    /// running in parallel): one landing on the waiting thread crashed the whole test run.
    func readAllRetryingInterrupts() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }
}
