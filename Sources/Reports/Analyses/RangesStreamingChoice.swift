import Figures
import FoundationEssentials
import Statistics

extension RangesAnalysis {
  /// The smallest file, in MB, that `reconcile ranges` reconciles one quantity at a time
  /// (``runByQuantity(path:quantities:coverage:level:format:plainRows:runBytes:emit:)``) when
  /// `RECONCILE_RANGES_STREAM_MB` does not set it.
  public static let defaultStreamThresholdMB = 64

  /// The file `ranges` should reconcile one quantity at a time: the only one of `files` when
  /// it is at least `RECONCILE_RANGES_STREAM_MB` (default ``defaultStreamThresholdMB``) in
  /// size; nil otherwise (several files, a size that cannot be read, a negative threshold),
  /// when the whole-file path runs.
  /// - Parameters:
  ///   - files: the input files, folders already expanded (``InputPaths/expand(_:includeClaims:)``).
  ///   - environment: where `RECONCILE_RANGES_STREAM_MB` is looked up.
  public static func streamedFile(
    _ files: [String], environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String? {
    guard files.count == 1, let size = fileSize(atPath: files[0]) else { return nil }
    let thresholdMB = environment["RECONCILE_RANGES_STREAM_MB"].flatMap { Int($0) } ?? defaultStreamThresholdMB
    guard thresholdMB >= 0, size >= UInt64(thresholdMB) << 20 else { return nil }
    return files[0]
  }

  /// `reconcile ranges` on one large file (``streamedFile(_:environment:)``), one quantity
  /// at a time, to standard output through ``StandardOutput/pending()``: a run that fails
  /// writes nothing there.
  /// - Returns: false when the whole-file path should run instead (the input is not one large
  ///   file, no temporary output can be made, or ``runByQuantity(path:quantities:coverage:level:format:plainRows:runBytes:emit:)``
  ///   declined); nothing was written then.
  /// - Throws: as `runByQuantity`, and `OutputError` when the output cannot be written.
  public static func runByQuantityToStandardOutput(
    files: [String], quantities: [String], coverage: Double, level: Double, format: StreamFormat, digits: Int? = nil,
    pointFactor: Double = RangePooling.defaultPointFactor, interval: RangeInterval = .knha
  ) throws -> Bool {
    guard let path = streamedFile(files), let pending = StandardOutput.pending() else { return false }
    return try pending.deliver { write in
      try runByQuantity(
        path: path, quantities: quantities, coverage: coverage, level: level, format: format, digits: digits,
        pointFactor: pointFactor, interval: interval, emit: write)
    }
  }
}
