import Foundation
import TestSupport
import Testing

/// `reconcile trend`'s prediction intervals, short spans, the doubling wording and a close model
/// choice (issue #29), through the command line. Reference values are R's (glm, glm.nb,
/// negative.binomial, qchisq).
@Suite("trend prediction, spans and model choice, end to end", .serialized)
struct TrendPredictionCLITests {
  static let mou = "datasets/mou-arrivals.csv"

  /// A two-period span under the default negative binomial: the rest of the trend is printed
  /// (exit 0) and the span borrows the series' θ with a warning. Its growth factor is R's exact
  /// fit exp(log(583/312)) = 1.8686; its interval R's
  /// glm(c(312, 583) ~ c(0, 1), family = negative.binomial(7.792)) se 0.50847 (θ to 4 digits,
  /// so the ends to 1e-3).
  @Test func twoPeriodSpanSimple() throws {
    let r = try CLI.run([
      "trend", Self.mou, "--quantity", "mou_arrivals", "--vintage", "2003-01-01", "--span", "2000:2001", "--format",
      "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    #expect(doc["model"] as? String == "negbin")
    #expect((doc["points"] as? [Any])?.count == 10)
    let span = try #require(doc["span"] as? [String: Any])
    let growth = try #require(span["growth_factor"] as? [String: Any])
    #expect(relativeDifference(try #require(growth["estimate"] as? Double), 583.0 / 312) < 1e-8)
    let references = try Fixtures.csv("trend/nb-fixed-theta-reference.csv")
    let se = try #require(references.first?["se_slope"].flatMap(Double.init))
    let slope = log(583.0 / 312)
    #expect(relativeDifference(try #require(growth["ci_low"] as? Double), exp(slope - 1.959963984540054 * se)) < 1e-3)
    #expect(relativeDifference(try #require(growth["ci_high"] as? Double), exp(slope + 1.959963984540054 * se)) < 1e-3)
    #expect(span["doubling"] as? String == "cannot_tell")
    let warnings = try #require(doc["warnings"] as? [String])
    #expect(
      warnings.contains {
        $0.hasPrefix(
          "span 2000–2001: 2 periods are too few to estimate the negbin model's θ (it needs 3): fitted instead as the negative binomial with θ fixed at the series' 7.79"
        )
      }, "\(warnings)")
  }

  /// The same under the composite link model (today's printing, buckets and all): the span is
  /// fitted as the Poisson with the series' Pearson dispersion, the buckets and totals are still
  /// checked.
  @Test func twoPeriodSpanComposite() throws {
    let r = try CLI.run(["trend", Self.mou, "--quantity", "mou_arrivals", "--span", "2003:2004"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("2003–2004 (2 periods): growth factor"))
    #expect(r.stdout.contains("fitted instead as the Poisson with the series' Pearson dispersion 1,055"))
    #expect(r.stdout.contains("PASS  mou-official-total-2024"))
    #expect(r.stdout.contains("bucket 1999–2001"))
  }

  /// The quasi-Poisson over two periods borrows the series' dispersion: R's
  /// glm(c(312, 583) ~ c(0, 1), family = poisson) se × √φ̂.
  @Test func twoPeriodSpanQuasi() throws {
    let r = try CLI.run([
      "trend", Self.mou, "--quantity", "mou_arrivals", "--vintage", "2003-01-01", "--model", "quasipoisson", "--span",
      "2000:2001",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("fitted instead as the Poisson with the series' dispersion 17.3"), "\(r.stdout)")
    #expect(r.stdout.contains("2000–2001 (2 periods): growth factor 1.87"))
  }

  /// The doubling wording says what the interval says: 1998–2001 holds 2 (and not 1); 2009–2019
  /// of today's printing lies below 2.
  @Test func doublingWording() throws {
    let up = try CLI.run([
      "trend", Self.mou, "--quantity", "mou_arrivals", "--vintage", "2003-01-01", "--span", "1998:2001",
    ])
    #expect(up.status == 0)
    #expect(
      up.stdout.contains(
        "— consistent with doubling each year (2 lies in the interval, 1 does not)"))
    let down = try CLI.run(["trend", Self.mou, "--quantity", "mou_arrivals", "--span", "2009:2019"])
    #expect(down.status == 0)
    #expect(down.stdout.contains("— below doubling each year (the interval lies below 2)"))
    #expect(!down.stdout.contains("NOT doubling"))
  }

  /// p = 0.036 (R: glm.nb against glm, ½ P(χ²₁ > LR)) is within 0.01–0.10: the model line says
  /// the choice is a close call and gives both fits' annual percent changes, R's
  /// 7.70% (4.59% to 10.9%) for the Poisson and 7.63% (3.29% to 12.2%) for the negative binomial.
  @Test func closeCall() throws {
    let r = try CLI.run(["trend", "Tests/Fixtures/trend/close-call.csv", "--quantity", "cases"])
    #expect(r.status == 0, "\(r.stderr)")
    let model = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("  model: ") })
    #expect(model.hasPrefix("  model: negbin: the likelihood-ratio test"), "\(model)")
    #expect(model.contains("p = 0.036"), "\(model)")
    #expect(
      model.hasSuffix(
        "The test is close to its 0.05 threshold (p within 0.01–0.10), so the choice rests on a close call: Poisson 7.7% a year (95% CI 4.59% to 10.9%), negative binomial 7.63% a year (95% CI 3.29% to 12.2%)."
      ), "\(model)")
    // Far from the threshold (p = 2.3e-19) nothing is added.
    let far = try CLI.run(["trend", Self.mou, "--quantity", "mou_arrivals", "--vintage", "2003-01-01"])
    #expect(!far.stdout.contains("close call"))
  }

  /// Negative binomial prediction ends are whole counts, and the 2002 partial year's annualised
  /// interval is widened by the dispersion at its count, φ = 1 + μ̂/θ̂ (the widened interval's
  /// values are checked against R in CountPredictionTests): wider than the plain Poisson
  /// interval 1,005–1,177 (R: qchisq(c(0.025, 0.975), c(2·629, 2·629 + 2)) / 2 / (211/365)).
  @Test func wholeCountsAndWidenedAnnualised() throws {
    let r = try CLI.run([
      "trend", Self.mou, "--quantity", "mou_arrivals", "--vintage", "2003-01-01", "--through", "2003", "--format",
      "json",
    ])
    #expect(r.status == 0)
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    let points = try #require(doc["points"] as? [[String: Any]])
    for p in points {
      let low = try #require(p["pi_low"] as? Double)
      let high = try #require(p["pi_high"] as? Double)
      #expect(low == low.rounded() && high == high.rounded(), "\(p)")
    }
    let partial = try #require(points.first { ($0["period"] as? String) == "2002-01-01/2002-07-30" })
    let theta = try #require(doc["theta"] as? Double)
    let exposure = try #require(partial["exposure"] as? Double)
    let fitted = try #require(partial["fitted"] as? Double)
    let phi = 1 + fitted * exposure / theta
    let low = try #require(partial["annualized_ci_low"] as? Double)
    let high = try #require(partial["annualized_ci_high"] as? Double)
    #expect(low < 1_005 && high > 1_177, "wider than the plain Poisson 1,005–1,177")
    #expect(phi > 50 && phi < 70)
    #expect(low * exposure < 629 && high * exposure > 629)
  }
}
