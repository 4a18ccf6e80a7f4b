/// The trajectory model as a Stan program, and its data as Stan's JSON: the same posterior as the
/// Swift sampler (see `TrajectoryData` for the model), for anyone who wants to run, check or
/// extend it in Stan.
///
/// `model` is fixed text: every data set is passed through `dataJSON(_:)`, never pasted into the
/// program. The program uses the array syntax of Stan 2.26 and later (`array[N] int`), the only
/// one Stan 2.33 and later accept.
public enum TrajectoryStan {
  /// The Stan program (`model.stan`). Its data block reads exactly the keys `dataJSON(_:)` writes;
  /// its generated quantities are `level` (the level per year on the natural scale), `bias` (per
  /// series, log scale) and `outlier` (each statement's posterior probability of being an
  /// outlier); `tau`, `sigmaB` and `omega` are parameters.
  public static let model: String = """
    // The trajectory model of reconcile (issue #28), emitted by TrajectoryStan.model.
    //
    // A latent log-level x[t] per year follows a first-order random walk. Every statement i
    // observes x[year[i]] shifted by the bias of its series and, when it shares its evidence
    // with other statements, by the error of that evidence group. A statement is a number, a
    // lower bound, an upper bound or an interval on the log scale, and each one is an outlier
    // with prior probability outlierProbability (a wider normal). Everything is on the natural
    // log scale; `level` in generated quantities is exp(x).
    //
    // Positive hyperparameters are declared <lower=0>, so Stan samples their logs; their
    // normal(0, scale) priors are then half-normal. The random walk, the biases and the group
    // errors are non-centred: standard-normal z, eta and u are sampled, and scaled by tau,
    // sigmaB and omega.
    //
    // To extend the model: a new prior goes in the model block; a new kind of statement gets
    // a code in `kind`, a branch in statement_loglik, and whatever data it needs in the data
    // block (one value per statement, like low and high); a new per-statement error term goes
    // where mu and s are formed in component_loglik.

    functions {
      // log P(Y > y) for Y ~ normal(mu, s). Written as log P(-Y < -y) through normal_lcdf:
      // Stan's normal_lccdf computes log(1 - erf(.)), which loses digits beyond about six
      // standard deviations and is -inf beyond 8.25, while normal_lcdf stays accurate there.
      real log_above(real y, real mu, real s) {
        return normal_lcdf(-y | -mu, s);
      }

      // log P(lo < Y < hi) for Y ~ normal(mu, s), lo < hi: a difference of two cdfs taken on
      // log scale (log_diff_exp), in the tail where both are small, so it keeps its digits
      // when the interval lies far from mu on either side.
      real log_between(real lo, real hi, real mu, real s) {
        if (lo > mu) {
          return log_diff_exp(log_above(lo, mu, s), log_above(hi, mu, s));
        }
        return log_diff_exp(normal_lcdf(hi | mu, s), normal_lcdf(lo | mu, s));
      }

      // The log-likelihood of one statement of kind k (1 point, 2 lower bound, 3 upper bound,
      // 4 interval) when its value is normal(mu, s).
      real statement_loglik(int k, real y, real lo, real hi, real mu, real s) {
        if (k == 1) {
          return normal_lpdf(y | mu, s);
        } else if (k == 2) {
          return log_above(y, mu, s);
        } else if (k == 3) {
          return normal_lcdf(y | mu, s);
        }
        return log_between(lo, hi, mu, s);
      }

      // The log-level per year: x[1] = center + scale * z[1], x[t] = x[t-1] + tau * z[t].
      vector log_level(vector z, real tau, real center, real scale) {
        int T = num_elements(z);
        vector[T] x;
        x[1] = center + scale * z[1];
        for (t in 2:T) {
          x[t] = x[t - 1] + tau * z[t];
        }
        return x;
      }

      // The bias per series: sigmaB * eta, and 0 for the reference series (when there is one).
      vector series_bias(vector eta, real sigmaB, int reference) {
        vector[num_elements(eta)] b = sigmaB * eta;
        if (reference > 0) {
          b[reference] = 0;
        }
        return b;
      }

      // Both log-likelihoods of every statement: column 1 with its ordinary sd s, column 2 as
      // an outlier with sd sqrt(s^2 + outlierScale^2). The group error e[g] = omega * u[g]
      // carries omega for a statement in a group; a statement alone has omega in its sd.
      matrix component_loglik(vector x, vector b, vector e, real omega, real outlierScale,
                              array[] int year, array[] int series, array[] int group,
                              array[] int kind, vector y, vector low, vector high,
                              vector sigma) {
        int N = num_elements(y);
        matrix[N, 2] lp;
        for (i in 1:N) {
          real mu = x[year[i]] + b[series[i]];
          real s;
          if (group[i] > 0) {
            mu += e[group[i]];
            s = sigma[i];
          } else {
            s = hypot(sigma[i], omega);
          }
          lp[i, 1] = statement_loglik(kind[i], y[i], low[i], high[i], mu, s);
          lp[i, 2] = statement_loglik(kind[i], y[i], low[i], high[i], mu,
                                  hypot(s, outlierScale));
        }
        return lp;
      }
    }

    data {
      int<lower=1> T;                             // years
      int<lower=0> N;                             // statements
      int<lower=1> S;                             // series
      int<lower=0> G;                             // evidence groups
      array[N] int<lower=1, upper=T> year;        // statement's year
      array[N] int<lower=1, upper=S> series;      // statement's series
      array[N] int<lower=0, upper=G> group;       // statement's group, 0 when alone
      array[N] int<lower=1, upper=4> kind;        // 1 point, 2 lower, 3 upper, 4 interval
      vector[N] y;                                // log of the number or bound (kinds 1-3)
      vector[N] low;                              // log of the low end (kind 4)
      vector[N] high;                             // log of the high end (kind 4)
      vector<lower=0>[N] sigma;                   // statement's own sd, log scale
      int<lower=0, upper=S> reference;            // series whose bias is 0; 0 for none
      real levelCenter;                           // prior mean of x[1]
      real<lower=0> levelScale;                   // prior sd of x[1]
      real<lower=0> smoothnessScale;              // half-normal scale of tau
      real<lower=0> biasScale;                    // half-normal scale of sigmaB
      real<lower=0> errorScale;                   // half-normal scale of omega
      real<lower=0, upper=1> outlierProbability;  // prior outlier probability p
      real<lower=0> outlierScale;                 // an outlier's extra sd
    }

    transformed data {
      for (i in 1:N) {
        if (!(sigma[i] > 0)) {
          reject("sigma[", i, "] must be positive; found ", sigma[i]);
        }
        if (kind[i] == 4 && !(low[i] < high[i])) {
          reject("statement ", i, ": an interval needs low < high; found ", low[i], ", ",
                 high[i]);
        }
      }
    }

    parameters {
      vector[T] z;              // standardised first log-level and yearly steps
      real<lower=0> tau;        // sd of the yearly change of the log-level
      vector[S] eta;            // standardised series biases (eta[reference] unused)
      real<lower=0> sigmaB;     // sd of the series biases
      vector[G] u;              // standardised evidence-group errors
      real<lower=0> omega;      // sd of the error beyond each statement's own
    }

    model {
      vector[T] x = log_level(z, tau, levelCenter, levelScale);
      vector[S] b = series_bias(eta, sigmaB, reference);
      matrix[N, 2] lp = component_loglik(x, b, omega * u, omega, outlierScale, year, series,
                                         group, kind, y, low, high, sigma);

      z ~ std_normal();               // x[1] ~ normal(levelCenter, levelScale), steps ~ normal(0, tau)
      tau ~ normal(0, smoothnessScale);
      eta ~ std_normal();             // the reference's eta keeps this prior; its bias is 0
      sigmaB ~ normal(0, biasScale);
      u ~ std_normal();
      omega ~ normal(0, errorScale);

      // Each statement: (1 - p) f_in + p f_out.
      for (i in 1:N) {
        target += log_mix(outlierProbability, lp[i, 2], lp[i, 1]);
      }
    }

    generated quantities {
      vector[T] level;   // the level per year, natural scale: exp(x)
      vector[S] bias;    // bias per series, log scale
      vector[N] outlier; // p f_out / ((1 - p) f_in + p f_out) per statement
      {
        vector[T] x = log_level(z, tau, levelCenter, levelScale);
        vector[S] b = series_bias(eta, sigmaB, reference);
        matrix[N, 2] lp = component_loglik(x, b, omega * u, omega, outlierScale, year,
                                           series, group, kind, y, low, high, sigma);
        level = exp(x);
        bias = b;
        for (i in 1:N) {
          outlier[i] = exp(log(outlierProbability) + lp[i, 2]
                           - log_mix(outlierProbability, lp[i, 2], lp[i, 1]));
        }
      }
    }

    """

  /// The data of `data` as Stan's JSON data file, with the keys and the 1-based indices the
  /// data block of `model` reads: `T`, `N`, `S`, `G`, `year`, `series`, `group` (0 for a
  /// statement alone), `kind` (1 point, 2 lower, 3 upper, 4 interval), `y`, `low`, `high`,
  /// `sigma`, `reference` (0 for none) and the seven priors.
  ///
  /// Deterministic (the same data give the same bytes), one key per line, in that order. Every
  /// per-statement value is an array, also when there is one statement. Doubles are written as
  /// Swift's shortest representation that reads back to the same value; names and ids are not
  /// written, so no text of the user's reaches the file.
  ///
  /// - Throws: `StatisticsError.invalidInput` when the data are not valid
  ///   (`TrajectoryData.validate()`: a NaN or an infinity, an index out of range…), rather than
  ///   write a file Stan would misread.
  public static func dataJSON(_ data: TrajectoryData) throws(StatisticsError) -> String {
    try data.validate()
    let statements = data.statements
    let p = data.priors
    var lines: [String] = []
    func integer(_ key: String, _ value: Int) {
      lines.append("  \"\(key)\": \(value)")
    }
    func real(_ key: String, _ value: Double) {
      lines.append("  \"\(key)\": \(number(value, key))")
    }
    func integers(_ key: String, _ values: [Int]) {
      lines.append("  \"\(key)\": [" + values.map(String.init).joined(separator: ", ") + "]")
    }
    func reals(_ key: String, _ values: [Double]) {
      lines.append("  \"\(key)\": [" + values.map { number($0, key) }.joined(separator: ", ") + "]")
    }
    integer("T", data.years.count)
    integer("N", statements.count)
    integer("S", data.series.count)
    integer("G", data.groups.count)
    integers("year", statements.map { $0.year + 1 })
    integers("series", statements.map { $0.series + 1 })
    integers("group", statements.map { $0.group.map { $0 + 1 } ?? 0 })
    integers("kind", statements.map { $0.kind.rawValue })
    reals("y", statements.map(\.y))
    reals("low", statements.map(\.low))
    reals("high", statements.map(\.high))
    reals("sigma", statements.map(\.sigma))
    integer("reference", data.reference.map { $0 + 1 } ?? 0)
    real("levelCenter", p.levelCenter)
    real("levelScale", p.levelScale)
    real("smoothnessScale", p.smoothnessScale)
    real("biasScale", p.biasScale)
    real("errorScale", p.errorScale)
    real("outlierProbability", p.outlierProbability)
    real("outlierScale", p.outlierScale)
    return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
  }

  /// `x` as a JSON number: Swift's shortest round-trip form (`0.1`, `2.0`, `1e-05`, `-0.0`),
  /// every one of which is valid JSON. Non-finite values have no JSON form: `dataJSON`
  /// validated the data first, so none reaches here (`null` if one did).
  static func number(_ x: Double, _ key: String) -> String {
    x.isFinite ? x.description : "null"
  }
}
