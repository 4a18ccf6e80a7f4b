// libFuzzer target: the large-file path (the streaming validator, the rows sorted by quantity,
// the 64- and 16-byte C scanners) must turn any bytes into the figures reader's verdict, never
// a crash or an out-of-bounds read (AddressSanitizer watches the C code too).
import CScan
import Figures
import FuzzSupport

#if canImport(Glibc)
  import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStreaming(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  // The C scanners on the raw bytes, from every start state: their answers stay inside the
  // buffer (and AddressSanitizer watches their reads).
  let scannersHold = bytes.withUnsafeBufferPointer { b -> Bool in
    guard let base = b.baseAddress else { return true }
    for start in [0, min(1, b.count), b.count / 2] {
      var quoted: Int32 = start == 1 ? 1 : 0
      if reconcile_last_record_end(base + start, b.count - start, &quoted) > b.count - start { return false }
    }
    var bounds = [Int](repeating: -1, count: 2 * 16)
    var flags = [UInt8](repeating: 0, count: 16)
    let fields = reconcile_split_plain(base, b.count, &bounds, &flags, 16)
    guard fields <= 16 else { return false }
    for k in 0..<max(0, fields) {
      let from = bounds[2 * k]
      let to = bounds[2 * k + 1]
      if from < 0 || from > to || to > b.count { return false }
    }
    return true
  }
  guard scannersHold else { return -1 }
  // The streaming validator reads a path: the bytes go to a temporary file.
  var template = Array((temporaryDirectoryPath() + "/reconcile-fuzz-XXXXXX").utf8CString)
  let fd = template.withUnsafeMutableBufferPointer { t in t.baseAddress.map { mkstemp($0) } ?? -1 }
  guard fd >= 0 else { return 0 }
  let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  defer {
    close(fd)
    unlink(path)
  }
  guard bytes.withUnsafeBufferPointer({ writeAll($0, to: fd) }) else { return 0 }
  // The verdict must be the figures reader's: the same figures and quantities, or an error.
  let reference: FiguresFile?
  do {
    reference = try FiguresReader.parse(bytes, path: path)
  } catch {
    reference = nil
  }
  do {
    let summary = try StreamingValidator.validate(path: path)
    guard let reference else { return -1 }  // the reader rejected what the validator passed
    if summary.figureCount != reference.figures.count || summary.quantities != reference.quantities() { return -1 }
    // A clean file's rows sorted by quantity, in small pieces, read back as the same figures.
    guard summary.warnings.isEmpty, let spill = QuantitySpill.make(path: path, bufferLimit: 256) else { return 0 }
    if spill.quantities != summary.quantities || spill.rowCount != summary.figureCount { return -1 }
    for (k, q) in spill.quantities.enumerated() {
      let file = try spill.figures(of: k)
      let expected = reference.figures.filter { $0.quantity == q }
      if file.figures.map(\.id) != expected.map(\.id)
        || file.figures.map(\.location.line) != expected.map(\.location.line)
      {
        return -1
      }
    }
  } catch {
    if reference != nil { return -1 }  // the validator rejected what the reader passed
  }
  return 0
}

#if FUZZING
  // SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
  @_cdecl("fuzz_streaming_main")
  public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzStreaming($0, $1) }
  }
#else
  @main
  struct Replay {
    static func main() { replay(fuzzStreaming) }
  }
#endif
