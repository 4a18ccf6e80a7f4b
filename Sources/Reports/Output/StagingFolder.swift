import Figures

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The staging folder beside a destination, `.NAME.reconcile-new-PID`, that ``ReportFolder``
/// and ``StagedFiles`` write into before they put their files in place: made fresh (a stale
/// one of a dead process removed first), and removed if the process is interrupted until
/// ``release()`` or ``remove()``.
struct StagingFolder {
  /// The staging folder's path.
  let path: String
  private var token: Int?

  /// Makes the staging folder for `destination` (`name` in `parent`); `shown` is the path an
  /// error names.
  init(destination: String, parent: String, name: String, shown: String) throws(OutputError) {
    ReportFolder.removeStale(beside: destination, parent: parent, name: name)
    path = FilePath.appending(parent, ".\(name).reconcile-new-\(getpid())")
    removeTree(path)
    token = Interruption.register(path)
    guard mkdir(path, 0o755) == 0 else {
      let reason = systemErrorMessage(errno)
      remove()
      throw OutputError(path: shown, reason: "cannot create the staging folder \(path): \(reason)")
    }
  }

  /// The files are in place: an interruption no longer removes the staging path.
  mutating func release() {
    if let token { Interruption.unregister(token) }
    token = nil
  }

  /// Removes the staging folder and what it holds (the run failed).
  mutating func remove() {
    removeTree(path)
    release()
  }
}
