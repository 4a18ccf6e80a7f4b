// trajectory-parity: our trajectory fit against Stan's reference samples (issue #28), the
// comparison of TrajectoryParityTests (StanParity) at as many draws as a reference needs.
// Usage: trajectory-parity [--full] FOLDER=DRAWS ...
//   FOLDER   a reference folder (data.json, stan-quantiles.csv, stan-run.txt), e.g.
//            Tests/Fixtures/trajectory/random-05; DRAWS our draws per chain (4 chains, 1000 warmup)
//   --full   also require every level quantile to be checkable at 2% (the two samplers' Monte
//            Carlo error small enough), not only the checkable ones to hold it
// Seeds as the test's: 2800 plus the folder name's number (random-05: 2805; seed-nk: 2800).
// Prints one summary line per folder and every failure; exit 0 when all hold, 1 when any
// comparison fails, 2 on a usage or reference error.
import Foundation
import StanParity

/// Writes a line at once (`print` buffers a file or pipe until exit: a long run would show nothing).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

var full = false
var jobs: [(folder: String, draws: Int)] = []
for argument in CommandLine.arguments.dropFirst() {
  if argument == "--full" {
    full = true
    continue
  }
  let parts = argument.split(separator: "=")
  guard parts.count == 2, let draws = Int(parts[1]), draws > 0 else {
    say("error: expected FOLDER=DRAWS or --full, got \(argument)")
    exit(2)
  }
  jobs.append((String(parts[0]), draws))
}
if jobs.isEmpty {
  say("usage: trajectory-parity [--full] FOLDER=DRAWS ...")
  exit(2)
}
var failed = 0
var checked = 0
var total = 0
for job in jobs {
  let outcome: StanParity.Outcome
  let clock = ContinuousClock()
  let start = clock.now
  do {
    let reference = try StanParity.Reference(folder: URL(fileURLWithPath: job.folder))
    outcome = try StanParity.compare(
      reference, seed: StanParity.seed(for: reference.name), draws: job.draws, threads: 2)
  } catch {
    say("error: \(job.folder): \(error)")
    exit(2)
  }
  let elapsed = (clock.now - start).components
  let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
  let needed = outcome.drawsToCheckAll(draws: job.draws).map { "\($0)" } ?? "none (Stan's MCSE too large)"
  say(
    outcome.summary
      + "; our draws \(job.draws) a chain, \(String(format: "%.1f", seconds)) s; draws to check all at 2%: \(needed)")
  var failures = outcome.failures
  if full && !outcome.unchecked.isEmpty {
    failures.append("\(outcome.name): not checkable at 2% (too few draws on one side): \(outcome.unchecked)")
  }
  if outcome.fit.diagnostics.divergences != 0 {
    failures.append("\(outcome.name): \(outcome.fit.diagnostics.divergences) divergences")
  }
  for f in failures { say("FAILED " + f) }
  failed += failures.count
  checked += outcome.levels.filter(\.twoPercentCheckable).count
  total += outcome.levels.count
}
say("parity: \(checked) of \(total) level quantiles held to 2% on the log scale; \(failed) failures")
exit(failed == 0 ? 0 : 1)
