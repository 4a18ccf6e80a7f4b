import Dispatch
import Figures
import FoundationEssentials
import Numerics
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The fits as JSON, CSV and a table.
extension FitAnalysis {
  /// One parameter as the contract's JSON.
  public static func parameterJSON(_ p: ParameterEstimate) -> JSON {
    .object([
      ("name", .string(p.name)), ("estimate", .num(p.estimate)), ("std_error", .num(p.standardError)),
      ("statistic", .num(p.statistic)), ("p_value", .num(p.pValue)),
      ("ci_low", .num(p.ciLow)), ("ci_high", .num(p.ciHigh)),
    ])
  }

  /// The contract's JSON object for one fit.
  public static func json(_ f: ModelFit, group: String? = nil) -> JSON {
    var members: [(String, JSON)] = []
    if let group { members.append(("group", .string(group))) }
    members += [
      ("model", .string(f.model.rawValue)), ("n", .int(f.n)), ("df_residual", .int(f.dfResidual)),
      ("converged", .bool(f.converged)), ("iterations", .int(f.iterations)),
      ("level", .num(f.level)),
      ("parameters", .array(f.parameters.map(parameterJSON))),
      ("residual_sd", .num(f.residualSD)), ("r_squared", .num(f.rSquared)),
      ("deviance", .num(f.deviance)), ("log_likelihood", .num(f.logLikelihood)),
      ("aic", .num(f.aic)), ("dispersion", .num(f.dispersion)),
    ]
    if f.model == .negbin {
      members += [("theta", .num(f.theta)), ("theta_std_error", .num(f.thetaStandardError))]
    }
    if let reason = f.stopReason { members.append(("stop_reason", .string(reason))) }
    members.append(("warnings", .array(f.warnings.map { .string($0) })))
    return .object(members)
  }

  /// Writes `json(f, group:)` without building it (the same bytes).
  static func write(_ f: ModelFit, group: String?, into out: inout JSONStreamWriter) {
    out.beginObject()
    if let group { out.field("group", group) }
    out.field("model", f.model.rawValue)
    out.field("n", f.n)
    out.field("df_residual", f.dfResidual)
    out.field("converged", f.converged)
    out.field("iterations", f.iterations)
    out.field("level", f.level)
    out.key("parameters")
    out.beginArray()
    for p in f.parameters {
      out.element()
      out.beginObject()
      out.field("name", p.name)
      out.field("estimate", p.estimate)
      out.field("std_error", p.standardError)
      out.field("statistic", p.statistic)
      out.field("p_value", p.pValue)
      out.field("ci_low", p.ciLow)
      out.field("ci_high", p.ciHigh)
      out.endObject()
    }
    out.endArray()
    out.field("residual_sd", f.residualSD)
    out.field("r_squared", f.rSquared)
    out.field("deviance", f.deviance)
    out.field("log_likelihood", f.logLikelihood)
    out.field("aic", f.aic)
    out.field("dispersion", f.dispersion)
    if f.model == .negbin {
      out.field("theta", f.theta)
      out.field("theta_std_error", f.thetaStandardError)
    }
    if let reason = f.stopReason { out.field("stop_reason", reason) }
    out.key("warnings")
    out.beginArray()
    for w in f.warnings {
      out.element()
      out.string(w)
    }
    out.endArray()
    out.endObject()
  }

  /// The JSON document's bytes: one fit's object, or with `--by` an array of objects with
  /// `group` keys (built and serialised on all cores).
  public static func jsonDocument(_ fits: [(group: String?, fit: ModelFit)], grouped: Bool) -> [[UInt8]] {
    if grouped {
      return JSON.serializedArrayDocument(count: fits.count) { k, out in
        write(fits[k].fit, group: fits[k].group, into: &out)
      }
    }
    return fits.first.map { json($0.fit).document() } ?? []
  }

  /// CSV: one row per parameter (and group).
  public static func csv(_ fits: [(group: String?, fit: ModelFit)]) -> CSVWriter {
    var w = CSVWriter(header: [
      "group", "model", "parameter", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high",
    ])
    for (g, f) in fits {
      for p in f.parameters {
        w.append([
          g ?? "", f.model.rawValue, p.name, CSVWriter.cell(p.estimate), CSVWriter.cell(p.standardError),
          CSVWriter.cell(p.statistic), CSVWriter.probabilityCell(p.pValue), CSVWriter.cell(p.ciLow),
          CSVWriter.cell(p.ciHigh),
        ])
      }
    }
    return w
  }

  /// A plain-text summary.
  public static func table(_ fits: [(group: String?, fit: ModelFit)]) -> String {
    var out = ""
    for (g, f) in fits {
      out +=
        (g.map { "group \($0): " } ?? "")
        + "\(f.model.rawValue), n = \(f.n), residual df = \(f.dfResidual)\(f.converged ? "" : " — DID NOT CONVERGE")\n"
      var rows: [[String]] = [["parameter", "estimate", "std. error", "statistic", "p", "\(pct(f.level)) CI"]]
      for p in f.parameters {
        rows.append([
          p.name, NumberFormat.human(p.estimate, significant: 8), NumberFormat.human(p.standardError, significant: 5),
          NumberFormat.human(p.statistic, significant: 4), NumberFormat.human(p.pValue, significant: 3),
          rangeText(p.ciLow, p.ciHigh),
        ])
      }
      out += TextTable.render(rows) + "\n"
      if let s = f.residualSD {
        out +=
          "  residual sd \(NumberFormat.human(s, significant: 6)), R² \(NumberFormat.human(f.rSquared, significant: 6))\n"
      }
      if let theta = f.theta {
        out +=
          "  theta \(NumberFormat.human(theta, significant: 6)) (std. error \(NumberFormat.human(f.thetaStandardError, significant: 4)))\n"
      }
      out +=
        "  deviance \(NumberFormat.human(f.deviance, significant: 6)), dispersion \(NumberFormat.human(f.dispersion, significant: 6))\(f.aic.map { ", AIC \(NumberFormat.human($0, significant: 6))" } ?? "")\n"
      for w in f.warnings { out += "  warning: \(w)\n" }
      out += "\n"
    }
    return TerminalText.escape(out)
  }
}
