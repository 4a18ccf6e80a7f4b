import Foundation

/// Runs each file named on the command line through the fuzz entry point (corpus replay).
public func replay(_ entry: (UnsafePointer<UInt8>?, Int) -> CInt) {
  var failed = 0
  for path in CommandLine.arguments.dropFirst() {
    guard let data = FileManager.default.contents(atPath: path) else {
      FileHandle.standardError.write(Data("\(path): cannot read\n".utf8))
      failed += 1
      continue
    }
    let bytes = [UInt8](data)
    let status = bytes.withUnsafeBufferPointer { entry($0.baseAddress, $0.count) }
    if status != 0 {
      FileHandle.standardError.write(Data("\(path): invariant violated\n".utf8))
      failed += 1
    }
  }
  exit(failed == 0 ? 0 : 1)
}

#if FUZZING
  @_silgen_name("LLVMFuzzerRunDriver")
  func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
  ) -> CInt

  /// The target's entry point, for the driver's callback (a C function cannot capture it).
  nonisolated(unsafe) private var fuzzEntry: (@convention(c) (UnsafePointer<UInt8>?, Int) -> CInt)?

  /// Hands a fuzz target's entry point to libFuzzer's driver (each target's `<module>_main`,
  /// which SwiftPM links as the executable's entry, calls this). An entry returns non-zero when
  /// an invariant fails (as `replay` counts it); libFuzzer reads such a return as "leave this
  /// input out of the corpus", not as a finding, so here it aborts: a crash libFuzzer reports,
  /// with the input saved as an artifact.
  public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ entry: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
  ) -> CInt {
    var count = argc
    var vector = argv
    fuzzEntry = entry
    return llvmFuzzerRunDriver(&count, &vector) { data, size in
      if let entry = fuzzEntry, entry(data, size) != 0 {
        FileHandle.standardError.write(Data("fuzz target: invariant violated\n".utf8))
        abort()
      }
      return 0
    }
  }
#endif
