import Foundation

/// The executable `name` as the shell finds it: the first folder of `PATH` holding an
/// executable file of that name (no machine path written into the tests); nil when none does.
///
/// For example `try #require(executableOnPath("sh"), "sh not on PATH")`.
public func executableOnPath(_ name: String) -> URL? {
  let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
  for folder in path.split(separator: ":", omittingEmptySubsequences: true) {
    let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isFolder), !isFolder.boolValue,
      FileManager.default.isExecutableFile(atPath: candidate.path)
    {
      return candidate
    }
  }
  return nil
}
