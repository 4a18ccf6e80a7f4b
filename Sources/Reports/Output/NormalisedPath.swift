/// A path as reports name their input, normalised without touching the disk: `.` components
/// and repeated or trailing slashes removed (`./datasets//x.csv` → `datasets/x.csv`), a
/// leading `/` kept, `..` kept as written (resolving it needs the file system: a link may
/// point elsewhere). An empty result is `.`.
func normalisedPath(_ path: String) -> String {
  let absolute = path.hasPrefix("/")
  let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
  let joined = parts.joined(separator: "/")
  if absolute { return "/" + joined }
  return joined.isEmpty ? "." : joined
}
