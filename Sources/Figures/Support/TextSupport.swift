import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// The few text, path and error helpers the tool used from Foundation's Objective-C heritage
// (NSString, CharacterSet, FileHandle), so that it links FoundationEssentials only and starts
// in fewer milliseconds. Each has the semantics of the call it replaces, for the inputs the
// tool gives it.

extension StringProtocol {
  /// The string without leading and trailing blanks: tab and the Unicode space separators
  /// (category Zs), as `trimmingCharacters(in: .whitespaces)`.
  public func trimmingBlanks() -> String {
    trimming(\.isBlank)
  }

  /// The string without the leading and trailing Unicode scalars for which `drop` holds, as
  /// `trimmingCharacters(in:)` with that set.
  public func trimming(_ drop: (Unicode.Scalar) -> Bool) -> String {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !drop($0) }),
      let last = scalars.lastIndex(where: { !drop($0) })
    else { return "" }
    var kept = String.UnicodeScalarView()
    kept.append(contentsOf: scalars[first...last])
    return String(kept)
  }
}

extension Unicode.Scalar {
  /// Tab, a Unicode space separator (category Zs) or the zero-width space U+200B (a space
  /// separator in older Unicode, and still one to Foundation): a member of
  /// `CharacterSet.whitespaces`.
  public var isBlank: Bool {
    self == "\t" || self == "\u{200B}" || properties.generalCategory == .spaceSeparator
  }
}

/// Path arithmetic on strings, as NSString's path methods do it for the paths the tool builds.
public enum FilePath {
  /// The last component ("b" of "a/b" and of "a/b/"; "/" of "/").
  public static func lastComponent(_ path: String) -> String {
    let trimmed = withoutTrailingSlashes(path)
    guard trimmed != "/" else { return "/" }
    guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
    return String(trimmed[trimmed.index(after: slash)...])
  }

  /// The path without its last component ("a" of "a/b", "/" of "/a", "" of "a").
  public static func deletingLastComponent(_ path: String) -> String {
    let trimmed = withoutTrailingSlashes(path)
    guard trimmed != "/" else { return "/" }
    guard let slash = trimmed.lastIndex(of: "/") else { return "" }
    if slash == trimmed.startIndex { return "/" }
    return withoutTrailingSlashes(String(trimmed[..<slash]))
  }

  /// `component` appended with one slash between ("a/b" from "a" or "a/" and "b").
  public static func appending(_ path: String, _ component: String) -> String {
    guard !path.isEmpty else { return component }
    guard !component.isEmpty else { return path }
    let base = path.hasSuffix("/") && path != "/" ? withoutTrailingSlashes(path) : path
    return base == "/" ? "/" + component : base + "/" + component
  }

  /// The extension of the last component, without the dot ("csv" of "a/b.csv"; "" when there
  /// is none or the name only starts with a dot).
  public static func pathExtension(_ path: String) -> String {
    let name = lastComponent(path)
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
    return String(name[name.index(after: dot)...])
  }

  /// The path without trailing slashes ("a" of "a//"; "/" stays "/").
  public static func withoutTrailingSlashes(_ path: String) -> String {
    var s = Substring(path)
    while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
    return String(s)
  }
}

/// Writes the whole buffer to `descriptor` (at file offset `offset` with pwrite, else at its
/// position), retrying on partial writes and EINTR; false when the descriptor fails (for
/// standard output: the reader has gone, as a pipe to `head` does).
@discardableResult
public func writeAll(_ buffer: UnsafeBufferPointer<UInt8>, to descriptor: Int32, at offset: Int? = nil) -> Bool {
  guard let base = buffer.baseAddress else { return true }
  var done = 0
  while done < buffer.count {
    let n =
      offset.map { pwrite(descriptor, base + done, buffer.count - done, off_t($0 + done)) }
      ?? write(descriptor, base + done, buffer.count - done)
    if n < 0 {
      if errno == EINTR { continue }
      return false
    }
    done += n
  }
  return true
}

/// Reads from `descriptor` (at file offset `offset` with pread, else from its position) until
/// `buffer` is full or the end of the file, retrying on EINTR: the number of bytes read, and
/// the `errno` of a failed read (0 when none failed).
public func readFully(
  _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int? = nil
) -> (count: Int, error: Int32) {
  guard let base = buffer.baseAddress else { return (0, 0) }
  var done = 0
  while done < buffer.count {
    let n =
      offset.map { pread(descriptor, base + done, buffer.count - done, off_t($0 + done)) }
      ?? read(descriptor, base + done, buffer.count - done)
    if n < 0 {
      if errno == EINTR { continue }
      return (done, errno)
    }
    if n == 0 { break }
    done += n
  }
  return (done, 0)
}

/// The folder for temporary files: `TMPDIR` when it is set, else the platform's default
/// (FoundationEssentials' `FileManager.temporaryDirectory`, which reads both).
public func temporaryDirectoryPath() -> String {
  FileManager.default.temporaryDirectory.path
}

/// A new temporary file in ``temporaryDirectoryPath()``, open for reading and writing and
/// already unlinked, so that nothing is left behind however the process ends; nil when none
/// can be made. The caller closes the descriptor.
public func anonymousTemporaryFile(prefix: String) -> Int32? {
  var template = Array((temporaryDirectoryPath() + "/" + prefix + "-XXXXXX").utf8CString)
  let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
    guard let base = buffer.baseAddress else { return -1 }
    let fd = mkstemp(base)
    if fd >= 0 { unlink(base) }
    return fd
  }
  return fd >= 0 ? fd : nil
}

/// Writes `text` to standard error as it is.
public func writeStandardError(_ text: String) {
  var text = text
  _ = text.withUTF8 { writeAll($0, to: 2) }  // stderr gone: nothing more to do
}

/// The system's wording of an `errno` value ("No such file or directory").
public func systemErrorMessage(_ code: Int32) -> String {
  guard let text = strerror(code) else { return "error \(code)" }
  return String(cString: text)
}

/// The size in bytes of the regular file (or whatever `stat` reports) at `path`; nil when it
/// cannot be examined.
public func fileSize(atPath path: String) -> UInt64? {
  var info = stat()
  guard stat(path, &info) == 0, info.st_size >= 0 else { return nil }
  return UInt64(info.st_size)
}
