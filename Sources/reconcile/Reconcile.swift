import ArgumentParser
import Figures
import FoundationEssentials
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Reports
import Statistics

@main
struct Reconcile: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reconcile",
    abstract: "Reconcile figures that disagree: ranges, trends and chart-ready CSV, every figure tied to its source.",
    discussion: """
      Input is a figures file: CSV with one figure per row (quantity, value or low/high or text,
      period, and provenance: source, published, document, quote, derived_from).

      Examples:
        reconcile validate datasets/*.csv
        reconcile ranges datasets/nk-in-china.csv
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model poisson
        reconcile fit data.csv --y count --x year --model poisson --offset log_exposure
        reconcile report              # all of datasets/ into ./reconcile-report/

      Exit codes: 0 success, 1 differences found, 64 usage, 65 bad input data,
      66 missing input, 70 internal error, 73 output not writable.
      """,
    version: "0.1.0",
    subcommands: [Validate.self, Ranges.self, Trend.self, Fit.self, DescribeCommand.self, Meta.self, Report.self, Compare.self, Check.self]
  )

  /// Entry point: limits BLAS to one thread (unless `OPENBLAS_NUM_THREADS` is set), then
  /// parses and runs the command.
  static func main() {
    singleThreadedBLAS()
    // After OpenBLAS's threads are gone and before any other starts: SIGINT, SIGTERM, SIGHUP
    // and SIGQUIT are taken by one thread that removes unfinished output first.
    Interruption.install()
    main(nil)
  }

  /// The tool runs its own parallel work on tiny problems, where OpenBLAS's worker threads only
  /// spin (`sched_yield`). OpenBLAS reads `OPENBLAS_NUM_THREADS` when the library is loaded,
  /// before `main`, so besides setting the variable (for anything reading it later) the thread
  /// count is set through `openblas_set_num_threads`, looked up at run time because the BLAS
  /// behind Debian's alternatives need not be OpenBLAS. Nothing changes when the user set the
  /// variable.
  static func singleThreadedBLAS() {
    guard getenv("OPENBLAS_NUM_THREADS") == nil else { return }
    setenv("OPENBLAS_NUM_THREADS", "1", 1)
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "openblas_set_num_threads") else { return }
    typealias SetThreads = @convention(c) (Int32) -> Void
    unsafeBitCast(symbol, to: SetThreads.self)(1)
    // The worker threads OpenBLAS started at load would otherwise busy-wait for about 0.1 s
    // of CPU time, competing with the tool's own workers: stop them (OpenBLAS exports this
    // for its fork handler; with one thread it never restarts them).
    if let shutdown = dlsym(handle, "blas_thread_shutdown_") {
      typealias Shutdown = @convention(c) () -> Int32
      _ = unsafeBitCast(shutdown, to: Shutdown.self)()
    }
  }
}

/// Output formats of the analysis commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json
}

/// Exit codes of the contract.
enum Exit {
  static let data: Int32 = 65
  static let noInput: Int32 = 66
  static let software: Int32 = 70
  static let cannotCreate: Int32 = 73
}

/// Prints a message on standard error, with a line end. Control, bidirectional and invisible
/// characters (which file names and quoted cells can carry) are shown escaped
/// (``TerminalText``), so nothing from the data acts on the terminal.
func printError(_ s: String) {
  let shown = TerminalText.escape(s)
  writeStandardError(shown.hasSuffix("\n") ? shown : shown + "\n")
}

/// Prints one diagnostic on one line: `PATH:LINE:COLUMN: error: MESSAGE`, with a line end in
/// its text shown escaped like the other control characters.
func printDiagnostic(_ d: Diagnostic) {
  printError(TerminalText.escape(d.description, keepingNewlines: false))
}

/// Prints diagnostics, at most 100 of them (a file in the wrong format can produce thousands).
func printDiagnostics(_ diagnostics: [Diagnostic], omitted: Int = 0) {
  let shown = DiagnosticCollector.defaultLimit
  for d in diagnostics.prefix(shown) { printDiagnostic(d) }
  let all = diagnostics.count + max(0, omitted)
  if all > shown {
    printError("reconcile: \(all - min(shown, diagnostics.count)) more errors not shown (\(all) in all)")
  }
}

/// Runs `body`, turning the project's errors into diagnostics and exit codes.
func guarded(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let e as FiguresError {
    switch e {
    case .invalid(let diagnostics, let omitted):
      printDiagnostics(diagnostics, omitted: omitted)
    default:
      printError(e.description)
    }
    throw ExitCode(e.exitCode)
  } catch let e as AnalysisError {
    let text = e.description
    printError(text.contains(": error: ") ? text : "reconcile: error: \(text)")
    throw ExitCode(Exit.data)
  } catch let e as OutputError {
    printError(e.description)
    throw ExitCode(Exit.cannotCreate)
  } catch let e as ExitCode {
    throw e
  } catch let e as ValidationError {
    throw e
  } catch {
    printError("reconcile: internal error: \(error)")
    throw ExitCode(Exit.software)
  }
}

/// Expands folders to their `.csv` files (sorted by name) and reads every figures file,
/// reporting the diagnostics of all files before failing.
func loadFigures(_ paths: [String]) throws -> [FiguresFile] {
  try readEach(paths, read: FiguresReader.read(path:), warnings: \.warnings)
}

/// Reads every file of `paths` (folders expanded) with `read`, printing each file's warnings;
/// the diagnostics of all files are reported before failing.
func readEach<T>(
  _ paths: [String], read: (String) throws(FiguresError) -> T, warnings: (T) -> [Diagnostic]
) throws -> [T] {
  try Figures.readEach(
    try expand(paths), read: read, warnings: warnings, warning: { printDiagnostic($0) },
    report: { printDiagnostics($0.diagnostics, omitted: $0.omitted) })
}

/// Folders become the `.csv` files inside them (not recursive), sorted by name.
func expand(_ paths: [String], includeClaims: Bool = false) throws -> [String] {
  var out: [String] = []
  for p in paths {
    var isDir = false
    if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
      let csvs = names.filter { $0.lowercased().hasSuffix(".csv") }.sorted()
      if csvs.isEmpty {
        throw FiguresError.unreadable(path: p, reason: "folder has no .csv files")
      }
      out += csvs.map { FilePath.appending(p, $0) }.filter { includeClaims || !isClaimsFile($0) }
    } else {
      out.append(p)
    }
  }
  return out
}

func emit(_ text: String) {
  var text = text
  text.withUTF8 { writeStandardOutput($0) }
}

/// Writes text meant to be read on a terminal (a table, a summary line) as `emit` does, with
/// control, bidirectional and invisible characters shown escaped (``TerminalText``). CSV and
/// JSON go through `emit`, exact.
func emitShown(_ text: String) {
  emit(TerminalText.escape(text))
}

/// Writes pieces of bytes to standard output, in order, as they are.
func emit(_ pieces: [[UInt8]]) {
  for bytes in pieces { bytes.withUnsafeBufferPointer { writeStandardOutput($0) } }
}

/// Standard output's position and size when it is a regular file open for writing, not for
/// appending: one that can be cut back to where it stands. Nil otherwise (a pipe, a terminal,
/// `>>`).
func regularStandardOutput() -> (position: off_t, size: off_t)? {
  var status = stat()
  guard fstat(1, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
  let flags = fcntl(1, F_GETFL)
  guard flags >= 0, flags & O_APPEND == 0, flags & O_ACCMODE != O_RDONLY else { return nil }
  let position = lseek(1, 0, SEEK_CUR)
  return position >= 0 ? (position, status.st_size) : nil
}

/// Where standard output stood before this run wrote to it; read at the first write.
private let standardOutputStart: off_t? = regularStandardOutput()?.position

/// Standard output could not be written (`error`, not EPIPE): a regular file is cut back to
/// where it stood, the failure is said, and the run exits 73 — the output would otherwise end
/// short with a success status.
func standardOutputFailed(_ error: Int32) -> Never {
  if let start = standardOutputStart { _ = ftruncate(1, start) }
  writeStandardError(OutputError(path: "(standard output)", reason: systemErrorMessage(error)).description + "\n")
  exit(Exit.cannotCreate)
}

/// Writes the whole buffer to standard output. Stops quietly when the reader has gone
/// (EPIPE), as a pipe to `head` should; any other failure is `standardOutputFailed`.
private func writeStandardOutput(_ buffer: UnsafeBufferPointer<UInt8>) {
  _ = standardOutputStart
  guard !writeAll(buffer, to: 1) else { return }
  let error = errno
  if error != EPIPE { standardOutputFailed(error) }
}

/// Whether the CSV at `path` is a claims file (its header names a `formula` column): folders
/// given to the figures commands skip those; `reconcile check` reads them.
func isClaimsFile(_ path: String) -> Bool {
  ClaimsReader.isClaimsFile(path: path)
}

/// Where the output of a run that must write nothing unless it succeeds goes on its way to
/// standard output: ``DirectFileOutput`` when standard output is a regular file that can be
/// cut back, else ``StagedOutput``.
protocol PendingOutput: AnyObject {
  /// Appends `bytes`.
  func write(_ bytes: [UInt8]) throws
  /// Puts everything written on standard output (the run succeeded).
  func commit() throws
  /// Takes back everything written (the run failed, or another path will write instead).
  func retract()
}

/// The output chosen for standard output as it is now.
func pendingOutput() -> (any PendingOutput)? {
  if let direct = DirectFileOutput() { return direct }
  return StagedOutput()
}

/// Standard output when it is a regular file opened for writing at its end, not in append
/// mode (`> out.csv`): the bytes go straight to it, and a failed run cuts the file back to
/// where it stood (ftruncate), so it holds nothing of that run. This saves the staged copy:
/// 0.4 s for the 450 MB of `ranges` on a 500 MB file.
final class DirectFileOutput: PendingOutput {
  private let start: off_t

  /// Nil when standard output is not such a file or cannot be cut back.
  init?() {
    // At the file's end, and allowed to cut it (a no-op cut, here).
    guard let (position, size) = regularStandardOutput(), position == size, ftruncate(1, position) == 0 else {
      return nil
    }
    start = position
  }

  func write(_ bytes: [UInt8]) throws {
    guard bytes.withUnsafeBufferPointer({ writeAll($0, to: 1) }) else {
      // Exit 73, output not writable (a full disk): the caller cuts the file back.
      throw OutputError(path: "(standard output)", reason: systemErrorMessage(errno))
    }
  }

  func commit() throws {}

  func retract() {
    _ = ftruncate(1, start)
    _ = lseek(1, start, SEEK_SET)
  }
}

/// Output written to an unlinked temporary file, then copied to standard output in one go:
/// for commands whose output is too large to hold in memory and must not reach standard output
/// unless the whole run succeeds.
final class StagedOutput: PendingOutput {
  private let fd: Int32
  private var size = 0

  /// Nil when no temporary file can be made (in `TMPDIR`, else `/tmp`).
  init?() {
    guard let fd = anonymousTemporaryFile(prefix: "reconcile-out") else { return nil }
    self.fd = fd
  }

  deinit { close(fd) }

  /// Appends `bytes`.
  func write(_ bytes: [UInt8]) throws {
    guard bytes.withUnsafeBufferPointer({ writeAll($0, to: fd, at: size) }) else {
      // A full disk under TMPDIR is output that cannot be written: exit 73, not 66.
      throw OutputError(path: "(temporary output)", reason: systemErrorMessage(errno))
    }
    size += bytes.count
  }

  func commit() throws { try copyToStandardOutput() }

  /// Nothing has reached standard output: the temporary file goes when this is released.
  func retract() {}

  /// Copies everything written to standard output.
  func copyToStandardOutput() throws {
    // The kernel copies to a file or a pipe without the bytes passing through this process
    // (sendfile); where it declines (the descriptor is one it cannot write to, or the call is
    // missing), the rest is read and written.
    var position = off_t(0)
    kernelCopy: while Int(position) < size {
      let n = sendfile(1, fd, &position, size - Int(position))
      if n > 0 { continue }
      if n < 0 && errno == EINTR { continue }
      if n < 0 && errno != EINVAL && errno != ENOSYS && errno != EAGAIN && errno != EOPNOTSUPP {
        // The reader has gone (EPIPE): stop quietly. Any other failure: exit 73.
        if errno == EPIPE { return }
        standardOutputFailed(errno)
      }
      break kernelCopy
    }
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var offset = Int(position)
    while offset < size {
      let wanted = min(chunk.count, size - offset)
      let (n, error) = chunk.withUnsafeMutableBytes { readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<wanted]), at: offset) }
      guard n == wanted else {
        throw OutputError(path: "(temporary output)", reason: "cannot read back: \(systemErrorMessage(error))")
      }
      chunk.withUnsafeBufferPointer { writeStandardOutput(UnsafeBufferPointer(rebasing: $0[0..<n])) }
      offset += n
    }
  }
}
