import FoundationEssentials
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Removes a run's unfinished output when the run is interrupted by a signal it can catch
/// (SIGINT, SIGTERM, SIGHUP, SIGQUIT).
///
/// The signals are blocked in every thread and taken by one thread of their own with
/// `sigwait`, so the clean-up runs as ordinary code (no async-signal-safety limits) while the
/// run's own threads stop where they are. After removing every registered path the process
/// ends by the same signal, with its default action, so a shell sees the status it expects
/// (130 for Ctrl-C). SIGKILL cannot be caught: what it leaves behind is removed by the next
/// run (``ReportFolder`` clears stale staging folders of processes that no longer exist).
public enum Interruption {
  private static let paths = Mutex<[Int: String]>([:])
  private static let nextToken = Atomic<Int>(0)
  private static let installed = Atomic<Bool>(false)
  /// Set once a signal arrived: the process is cleaning up and will end by that signal.
  private static let interrupting = Atomic<Bool>(false)
  static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
  /// The signals taken: those of `signals` the process was not started ignoring (`nohup`
  /// ignores SIGHUP, a shell's background job SIGINT and SIGQUIT; a blocked signal is never
  /// ignored, so blocking one of those would let it end the run).
  private static let handled = Mutex<[Int32]>([])

  /// Whether `sig` is ignored (SIG_IGN) as the process started.
  private static func isIgnored(_ sig: Int32) -> Bool {
    // signal(2) returns the disposition it replaces; it is put back at once (before any
    // other thread exists).
    let previous = signal(sig, SIG_IGN)
    signal(sig, previous)
    return unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
  }

  /// Blocks the signals in the calling thread (and so in every thread it starts later) and
  /// starts the thread that waits for them. Call once, first thing in `main`, before other
  /// threads exist. Idempotent.
  public static func install() {
    guard !installed.exchange(true, ordering: .relaxed) else { return }
    let taken = signals.filter { !isIgnored($0) }
    handled.withLock { $0 = taken }
    guard !taken.isEmpty else { return }
    var set = sigset_t()
    sigemptyset(&set)
    for s in taken { sigaddset(&set, s) }
    pthread_sigmask(SIG_BLOCK, &set, nil)
    // A thread of the run that reaches exit() while the clean-up runs (its output folder just
    // vanished under it) waits for the signal to end the process instead.
    atexit {
      while Interruption.interrupting.load(ordering: .acquiring) { usleep(10_000) }
    }
    var thread = pthread_t()
    _ = pthread_create(
      &thread, nil,
      { _ in
        Interruption.waitForSignals()
        return nil
      }, nil)
  }

  /// The signal thread: waits, cleans up, and ends the process by the signal it got.
  private static func waitForSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    for s in handled.withLock({ $0 }) { sigaddset(&set, s) }
    while true {
      var sig: Int32 = 0
      guard sigwait(&set, &sig) == 0 else { continue }
      interrupting.store(true, ordering: .releasing)
      cleanUp()
      // The default action, now unblocked: the process ends by this signal.
      signal(sig, SIG_DFL)
      var one = sigset_t()
      sigemptyset(&one)
      sigaddset(&one, sig)
      pthread_sigmask(SIG_UNBLOCK, &one, nil)
      raise(sig)
      _exit(128 + sig)
    }
  }

  /// Registers a file or folder to remove if the process is interrupted; returns a token for
  /// ``unregister(_:)``.
  public static func register(_ path: String) -> Int {
    let token = nextToken.add(1, ordering: .relaxed).newValue
    paths.withLock { $0[token] = path }
    return token
  }

  /// Forgets a registered path (it was committed or removed).
  public static func unregister(_ token: Int) {
    _ = paths.withLock { $0.removeValue(forKey: token) }
  }

  /// Removes every registered path (without following symbolic links).
  static func cleanUp() {
    let all = paths.withLock { p -> [String] in
      let values = p.keys.sorted().compactMap { p[$0] }
      p.removeAll()
      return values
    }
    for path in all {
      // Renamed first, so that the run's threads, still going, cannot add to the folder
      // (paths inside it no longer exist) while it is being removed.
      let doomed = path + "-removing"
      removeTree(rename(path, doomed) == 0 ? doomed : path)
    }
  }
}

/// Removes `path` and, for a folder, everything inside it; a symbolic link is removed itself,
/// never followed. Errors are ignored (a clean-up does what it can).
public func removeTree(_ path: String) {
  var info = stat()
  guard lstat(path, &info) == 0 else { return }
  if (info.st_mode & S_IFMT) == S_IFDIR {
    if let dir = opendir(path) {
      var names: [String] = []
      while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
          $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
      }
      closedir(dir)
      for name in names { removeTree(path + "/" + name) }
    }
    rmdir(path)
  } else {
    unlink(path)
  }
}
