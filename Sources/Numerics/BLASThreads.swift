#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The number of threads of the BLAS behind LAPACK.
public enum BLASThreads {
  /// Limits BLAS to one thread, unless the user set `OPENBLAS_NUM_THREADS`.
  ///
  /// The tool runs its own parallel work on tiny problems, where OpenBLAS's worker threads only
  /// spin (`sched_yield`). OpenBLAS reads `OPENBLAS_NUM_THREADS` when the library is loaded,
  /// before `main`, so besides setting the variable (for anything reading it later) the thread
  /// count is set through `openblas_set_num_threads`, looked up at run time because the BLAS
  /// behind Debian's alternatives need not be OpenBLAS. Nothing changes when the user set the
  /// variable. Call first thing in `main`, before other threads exist (`setenv` is not
  /// thread-safe).
  public static func useOne() {
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
