// nist-lre: the log relative error (LRE) of reconcile's results against the certified values
// of NIST's Statistical Reference Datasets, dataset × parameter, for estimates and standard
// errors. LRE = −log10(|estimate − certified| / |certified|), capped at 15 (the certified digits).
// Usage: nist-lre [DIR]   (default: ../shared/reference/nist-strd beside the package)
import Foundation
import Numerics
import StRD
import Statistics

func lre(_ x: Double, _ c: Double) -> Double {
  if x == c { return 15 }
  guard x.isFinite else { return 0 }
  let e = c == 0 ? abs(x) : abs(x - c) / abs(c)
  return max(0, min(15, -log10(e)))
}

func f1(_ x: Double) -> String { String(format: "%5.1f", x) }

if CommandLine.arguments.count > 1 { setenv("NIST_STRD_DIR", CommandLine.arguments[1], 1) }
guard StRD.directory() != nil else {
  FileHandle.standardError.write(Data("nist-lre: NIST StRD folder not found (give it as the argument)\n".utf8))
  exit(66)
}

var worst: [String: Double] = [:]
@MainActor func note(_ kind: String, _ v: Double) { worst[kind] = min(worst[kind] ?? 15, v) }

print("# Linear regression (LinearModel, pivoted QR through LAPACK)\n")
print("| dataset | parameter | estimate LRE | std. error LRE |")
print("|---|---|---|---|")
for url in StRD.files(.linear) {
  do {
    let set = try StRD.load(path: url.path)
    let n = set.observationCount
    let xs = Array(set.variables.dropFirst())
    let p = set.certified.count
    let noIntercept = set.name.hasPrefix("NoInt")
    var columns: [[Double]] = noIntercept ? [] : [Array(repeating: 1, count: n)]
    if xs.count == 1 {
      let x = set.column(1)
      for d in 1...(noIntercept ? p : p - 1) { columns.append(x.map { pow($0, Double(d)) }) }
    } else {
      for j in 1...xs.count { columns.append(set.column(j)) }
    }
    let fit = try LinearModel.fit(
      design: try Matrix(columns: columns), response: set.response,
      names: set.certified.map(\.name), hasIntercept: !noIntercept)
    for (est, c) in zip(fit.parameters, set.certified) {
      let a = lre(est.estimate, c.estimate)
      let b = c.standardError == 0 ? (est.standardError < 1e-13 ? 15 : 0) : lre(est.standardError, c.standardError)
      note("linear estimate", a)
      note("linear std. error", b)
      print("| \(set.name) | \(c.name) | \(f1(a)) | \(f1(b)) |")
    }
    if let sd = set.residualSD, sd != 0 {
      print("| \(set.name) | residual SD | \(f1(lre(fit.residualSD ?? .nan, sd))) | |")
    }
  } catch {
    print("| \(url.lastPathComponent) | error: \(error) | | |")
  }
}

print("\n# Univariate summary statistics (describe, double-double from the decimal text)\n")
print("| dataset | mean LRE | sd LRE | lag-1 autocorrelation LRE |")
print("|---|---|---|---|")
for url in StRD.files(.univariate) {
  do {
    let set = try StRD.load(path: url.path)
    guard let cert = set.univariate else { continue }
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    var values: [DoubleDouble] = []
    if let data = lines.firstIndex(where: { $0.hasPrefix("Data:") }),
      let dash = lines[data...].firstIndex(where: { $0.hasPrefix("----") })
    {
      for l in lines[(dash + 1)...] {
        let t = l.trimmingCharacters(in: .whitespacesAndNewlines)
        if let v = DoubleDouble(decimal: t) { values.append(v) }
      }
    }
    let d = try Describe.describe(values)
    let a = lre(d.mean, cert.mean)
    let b = lre(d.sd ?? .nan, cert.sd)
    let c = lre(d.autocorrelation ?? .nan, cert.autocorrelation)
    note("univariate mean", a)
    note("univariate sd", b)
    note("univariate autocorrelation", c)
    print("| \(set.name) | \(f1(a)) | \(f1(b)) | \(f1(c)) |")
  } catch {
    print("| \(url.lastPathComponent) | error: \(error) | | |")
  }
}

print("\n# Nonlinear regression (NonlinearLeastSquares: MINPACK-style Levenberg–Marquardt, exact derivatives)\n")
print("| dataset | start | converged | iterations | min estimate LRE | min std. error LRE | residual SD LRE |")
print("|---|---|---|---|---|---|---|")
var converged = 0
var total = 0
for url in StRD.files(.nonlinear) {
  do {
    let set = try StRD.load(path: url.path)
    guard let formula = NonlinearModels.formulas[set.name] else { continue }
    var y = set.response
    if NonlinearModels.logResponse.contains(set.name) { y = y.map { log($0) } }
    for (k, values) in [(1, set.start1), (2, set.start2)] {
      total += 1
      let start = zip(set.certified, values).map { (name: $0.0.name, value: $0.1) }
      do {
        let fit = try NonlinearLeastSquares.fit(formula: formula, response: y, data: set.columns, start: start)
        let a = zip(fit.parameters, set.certified).map { lre($0.0.estimate, $0.1.estimate) }.min() ?? 0
        let b = zip(fit.parameters, set.certified).map { lre($0.0.standardError, $0.1.standardError) }.min() ?? 0
        let c = lre(fit.residualSD ?? .nan, set.residualSD ?? .nan)
        if fit.converged {
          converged += 1
          note("nonlinear estimate", a)
          note("nonlinear std. error", b)
        }
        print(
          "| \(set.name) | \(k) | \(fit.converged ? "yes" : "NO: \(fit.stopReason ?? "")") | \(fit.iterations) | \(f1(a)) | \(f1(b)) | \(f1(c)) |"
        )
      } catch {
        print("| \(set.name) | \(k) | error: \(error) | | | | |")
      }
    }
  } catch {
    print("| \(url.lastPathComponent) | error: \(error) | | | | | |")
  }
}
print("\n\(converged) of \(total) nonlinear starts converged.")

print("\n# Smallest LRE by kind (converged fits)\n")
for (k, v) in worst.sorted(by: { $0.key < $1.key }) { print("- \(k): \(f1(v))") }
