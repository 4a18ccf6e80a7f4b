import CLAPACK
import Numerics

/// The exhaustive search of ``HingeSearch`` for long series: the same placements, visited in
/// the same (lexicographic) order with the same tie rule, but each placement's RSS comes from
/// tables computed once instead of a QR of the whole design.
///
/// Let `Q₀` be an orthonormal basis of the weighted intercept and slope columns. Every
/// response `z_c` and every candidate hinge column `h_j` is projected off them (twice, as
/// "twice is enough" for Gram–Schmidt; Giraud, Langou & Rozložník 2005): `r_c = (I − Q₀Q₀ᵀ) z_c`,
/// `g_j = (I − Q₀Q₀ᵀ) h_j`. With `A = GᵀG` (P × P) and `B = GᵀR` (P × r), the RSS of the
/// placement `S = {j₁ < … < j_K}` is `‖r_c‖² − ‖L⁻¹ B_S,c‖²`, where `LLᵀ = A_SS` (Cholesky).
/// Placements are visited depth first, so the factor and `L⁻¹ B` of a prefix are shared by
/// all its extensions: a placement costs `O(K)` per response (one row of `L` and one new
/// component per response), against `O(n K)` for a QR per placement. The search over `B + 1`
/// permuted responses is the permutation test's cost, now `O(C(P, K) · r · K)`.
///
/// **Accuracy.** Forming `A` squares the condition of the hinge columns, so each RSS carries an
/// error of about `ε · κ(G_S)² · ‖r_c‖²` (against `ε · κ · ‖r_c‖²` for the QR): for hinges a
/// few observations apart on a few hundred points, well below 1e-9 of `‖r_c‖²`. Placements
/// whose RSS agree to that level may then be ranked differently than by the QR; the fit
/// reported is refitted at the chosen placement by QR (`Series.fit(at:level:)`). A placement
/// is skipped as rank deficient when the new column keeps less than 1e-7 of its norm (the
/// squared criterion on `d = A_jj − ‖l‖²`), as ``HingeSearch`` does with `R`'s diagonal.
struct GramHingeSearch {
  let n: Int
  let r: Int
  /// `‖r_c‖²`, the RSS with no joinpoint.
  var base: [Double]
  /// `A = GᵀG`, `P × P` column-major.
  var gram: [Double]
  /// `Bᵀ = RᵀG`, `r × P` column-major: response `c` of position `j` at `c + j·r`.
  var cross: [Double]
  /// `‖h_j‖²` of the weighted, unprojected hinge columns (for the rank test).
  var hingeNorm2: [Double]
  let positionCount: Int

  init(periods: [Double], sqrtWeights: [Double], responses: [Double], r: Int, positions: [Double])
    throws(StatisticsError)
  {
    let n = periods.count
    let p = positions.count
    guard n >= 3, r >= 1, responses.count == n * r, sqrtWeights.count == n else {
      throw .invalidInput("internal: Gram search of \(r) responses on \(n) observations")
    }
    self.n = n
    self.r = r
    positionCount = p
    let centre = Summation.mean(periods)
    // Orthonormal basis of the weighted intercept and slope columns.
    var q1 = sqrtWeights
    var q2 = (0..<n).map { sqrtWeights[$0] * (periods[$0] - centre) }
    func dot(_ a: [Double], _ b: [Double]) -> Double {
      var s = 0.0
      for i in 0..<n { s += a[i] * b[i] }
      return s
    }
    let n1 = dot(q1, q1).squareRoot()
    for i in 0..<n { q1[i] /= n1 }
    for _ in 0..<2 {
      let a = dot(q1, q2)
      for i in 0..<n { q2[i] -= a * q1[i] }
    }
    let n2 = dot(q2, q2).squareRoot()
    guard n1 > 0, n2 > 0, n1.isFinite, n2.isFinite else {
      throw .numerical("the intercept and slope columns are dependent")
    }
    for i in 0..<n { q2[i] /= n2 }
    /// `v − Q₀Q₀ᵀv`, twice, in place on `count` entries at `v`.
    func project(_ v: UnsafeMutablePointer<Double>) {
      for _ in 0..<2 {
        var a = 0.0
        var b = 0.0
        for i in 0..<n {
          a += q1[i] * v[i]
          b += q2[i] * v[i]
        }
        for i in 0..<n { v[i] -= a * q1[i] + b * q2[i] }
      }
    }
    var residuals = responses
    var base = [Double](repeating: 0, count: r)
    residuals.withUnsafeMutableBufferPointer { z in
      guard let z0 = z.baseAddress else { return }
      for c in 0..<r {
        let v = z0 + c * n
        project(v)
        var s = 0.0
        for i in 0..<n { s += v[i] * v[i] }
        base[c] = s
      }
    }
    var hinges = [Double](repeating: 0, count: n * max(p, 1))
    var norms = [Double](repeating: 0, count: p)
    hinges.withUnsafeMutableBufferPointer { h in
      guard let h0 = h.baseAddress else { return }
      for j in 0..<p {
        let v = h0 + j * n
        var s = 0.0
        for i in 0..<n {
          v[i] = sqrtWeights[i] * max(periods[i] - positions[j], 0)
          s += v[i] * v[i]
        }
        norms[j] = s
        project(v)
      }
    }
    self.base = base
    hingeNorm2 = norms
    gram = [Double](repeating: 0, count: max(p * p, 1))
    cross = [Double](repeating: 0, count: max(r * p, 1))
    guard p > 0 else { return }
    let nn = try HingeSearch.lapackInt(n)
    let pp = try HingeSearch.lapackInt(p)
    let rr = try HingeSearch.lapackInt(r)
    // A = GᵀG and Bᵀ = RᵀG by BLAS (dgemm).
    hinges.withUnsafeBufferPointer { h in
      gram.withUnsafeMutableBufferPointer { a in
        cblas_dgemm(
          CblasColMajor, CblasTrans, CblasNoTrans, pp, pp, nn, 1, h.baseAddress, nn, h.baseAddress,
          nn, 0, a.baseAddress, pp)
      }
      residuals.withUnsafeBufferPointer { z in
        cross.withUnsafeMutableBufferPointer { b in
          cblas_dgemm(
            CblasColMajor, CblasTrans, CblasNoTrans, rr, pp, nn, 1, z.baseAddress, nn,
            h.baseAddress, nn, 0, b.baseAddress, rr)
        }
      }
    }
  }

  /// For each response, the smallest RSS over all admissible `k`-sets and the first
  /// (lexicographic) set attaining it, with ``HingeSearch/best(_:candidates:)``'s tie rule: a
  /// later set replaces the incumbent only when its RSS is smaller by more than 1e-12 relative.
  func best(_ k: Int, candidates: JoinpointCandidates) -> (rss: [Double], sets: [[Int]]) {
    let r = self.r
    var bestRSS = [Double](repeating: .infinity, count: r)
    if k == 0 {
      return (base, [[Int]](repeating: [], count: r))
    }
    let p = positionCount
    guard p > 0 else { return (bestRSS, [[Int]](repeating: [], count: r)) }
    var bestSets = [Int](repeating: -1, count: r * k)
    // Per level m: the Cholesky row of the chosen column (l and √d), the components
    // W[m][c] and the running sums Σ_{i ≤ m} W[i][c]².
    var lower = [Double](repeating: 0, count: k * k)
    var w = [Double](repeating: 0, count: k * r)
    // Row 0 of `partial` stays zero; row m + 1 holds Σ_{i ≤ m} W[i][c]².
    var partial = [Double](repeating: 0, count: (k + 1) * r)
    var chosen = [Int](repeating: 0, count: k)
    var slackBuffer = [Double](repeating: 0, count: r)
    let rankTolerance2 = HingeSearch.rankTolerance * HingeSearch.rankTolerance
    gram.withUnsafeBufferPointer { aBuf in
      cross.withUnsafeBufferPointer { bBuf in
        base.withUnsafeBufferPointer { baseBuf in
          lower.withUnsafeMutableBufferPointer { lBuf in
            w.withUnsafeMutableBufferPointer { wBuf in
              partial.withUnsafeMutableBufferPointer { sBuf in
                bestRSS.withUnsafeMutableBufferPointer { bestBuf in
                  bestSets.withUnsafeMutableBufferPointer { setBuf in
                    chosen.withUnsafeMutableBufferPointer { chosenBuf in
                      slackBuffer.withUnsafeMutableBufferPointer { slackBuf in
                        guard let a = aBuf.baseAddress, let b = bBuf.baseAddress,
                          let base0 = baseBuf.baseAddress,
                          let l = lBuf.baseAddress, let w0 = wBuf.baseAddress,
                          let s0 = sBuf.baseAddress,
                          let best = bestBuf.baseAddress, let sets = setBuf.baseAddress,
                          let ch = chosenBuf.baseAddress,
                          let slack = slackBuf.baseAddress
                        else { return }
                        /// Level `m` with `ch[0..<m]` placed: the row of L for column `j`, or nil when
                        /// `j` is (numerically) in the span of the columns before it.
                        func row(_ m: Int, _ j: Int) -> Double? {
                          // Forward substitution: L[0..<m, 0..<m] x = A[ch, j].
                          for i in 0..<m {
                            var v = a[ch[i] * p + j]
                            for q in 0..<i { v -= l[i * k + q] * l[m * k + q] }
                            l[m * k + i] = v / l[i * k + i]
                          }
                          var d = a[j * p + j]
                          for i in 0..<m { d -= l[m * k + i] * l[m * k + i] }
                          guard d > rankTolerance2 * hingeNorm2[j], d.isFinite else { return nil }
                          let root = d.squareRoot()
                          l[m * k + m] = root
                          return root
                        }
                        /// Response c improves on its incumbent exactly when W² > slack[c], with
                        /// slack = ‖r_c‖² − Σ_{i<m} W[i][c]² − best[c](1 − 1e-12): −∞ while it has
                        /// none, +∞ once its RSS is 0 (nothing is smaller). Set for the prefix,
                        /// updated as incumbents change, so that the loop over responses is one
                        /// comparison each and vectorises.
                        func setSlack(_ c: Int, _ previous: UnsafeMutablePointer<Double>) {
                          let b = best[c]
                          slack[c] =
                            b == .infinity
                            ? -.infinity
                            : (b > 0 ? (base0[c] - previous[c]) - b * (1 - 1e-12) : .infinity)
                        }
                        /// The new component of response c for the last column (row `lm` of L).
                        @inline(__always)
                        func component(
                          _ m: Int, _ c: Int, _ bj: UnsafePointer<Double>,
                          _ lm: UnsafePointer<Double>
                        ) -> Double {
                          var v = bj[c]
                          for i in 0..<m { v -= lm[i] * w0[i * r + c] }
                          return v
                        }
                        /// How many responses the last column improves (before any update).
                        func hits(
                          _ m: Int, _ bj: UnsafePointer<Double>, _ lm: UnsafePointer<Double>,
                          _ inverse: Double
                        ) -> Int {
                          var count = 0
                          switch m {
                          case 0, 1:
                            // Four responses at a time (SIMD), the rest one by one.
                            let l0 = m == 1 ? lm[0] : 0
                            let l0v = SIMD4<Double>(repeating: l0)
                            let iv = SIMD4<Double>(repeating: inverse)
                            var any = SIMDMask<SIMD4<Int64>>(repeating: false)
                            var c = 0
                            let braw = UnsafeRawPointer(bj)
                            let w0raw = UnsafeRawPointer(w0)
                            let sraw = UnsafeRawPointer(slack)
                            while c + 4 <= r {
                              let offset = c * MemoryLayout<Double>.stride
                              let bv = braw.loadUnaligned(
                                fromByteOffset: offset, as: SIMD4<Double>.self)
                              let a0 = w0raw.loadUnaligned(
                                fromByteOffset: offset, as: SIMD4<Double>.self)
                              let sv = sraw.loadUnaligned(
                                fromByteOffset: offset, as: SIMD4<Double>.self)
                              let v = (bv - l0v * a0) * iv
                              any .|= (v * v) .> sv
                              c += 4
                            }
                            if any != SIMDMask(repeating: false) { count = 1 }
                            while c < r {
                              let v = (bj[c] - l0 * w0[c]) * inverse
                              count &+= v * v > slack[c] ? 1 : 0
                              c += 1
                            }
                          case 2:
                            // Four responses at a time (SIMD), the rest one by one.
                            let l0 = lm[0]
                            let l1 = lm[1]
                            let w1 = w0 + r
                            let l0v = SIMD4<Double>(repeating: l0)
                            let l1v = SIMD4<Double>(repeating: l1)
                            let iv = SIMD4<Double>(repeating: inverse)
                            var any = SIMDMask<SIMD4<Int64>>(repeating: false)
                            var c = 0
                            let braw = UnsafeRawPointer(bj)
                            let w0raw = UnsafeRawPointer(w0)
                            let w1raw = UnsafeRawPointer(w1)
                            let sraw = UnsafeRawPointer(slack)
                            while c + 4 <= r {
                              let offset = c * MemoryLayout<Double>.stride
                              let bv = braw.loadUnaligned(
                                fromByteOffset: offset, as: SIMD4<Double>.self)
                              let a0 = w0raw.loadUnaligned(
                                fromByteOffset: offset, as: SIMD4<Double>.self)
                              let a1 = w1raw.loadUnaligned(
                                fromByteOffset: offset, as: SIMD4<Double>.self)
                              let sv = sraw.loadUnaligned(
                                fromByteOffset: offset, as: SIMD4<Double>.self)
                              let v = (bv - l0v * a0 - l1v * a1) * iv
                              any .|= (v * v) .> sv
                              c += 4
                            }
                            if any != SIMDMask(repeating: false) { count = 1 }
                            while c < r {
                              let v = (bj[c] - l0 * w0[c] - l1 * w1[c]) * inverse
                              count &+= v * v > slack[c] ? 1 : 0
                              c += 1
                            }
                          default:
                            for c in 0..<r {
                              let v = component(m, c, bj, lm) * inverse
                              count &+= v * v > slack[c] ? 1 : 0
                            }
                          }
                          return count
                        }
                        func place(_ m: Int, _ start: Int) {
                          let last = m == k - 1
                          let previous = s0 + m * r
                          if last {
                            for c in 0..<r { setSlack(c, previous) }
                          }
                          var j = start
                          while j < p {
                            defer { j += 1 }
                            if m > 0 && !candidates.compatible(ch[m - 1], j) { continue }
                            guard let root = row(m, j) else { continue }
                            ch[m] = j
                            let inverse = 1 / root
                            let bj = UnsafePointer(b + j * r)
                            let lm = UnsafePointer(l + m * k)
                            if last {
                              // The last joinpoint: which responses it improves, then (rarely) their
                              // RSS, as ‖r_c‖² − (Σ_{i<m} W[i][c]² + W²), and the new incumbents.
                              guard hits(m, bj, lm, inverse) > 0 else { continue }
                              for c in 0..<r {
                                let v = component(m, c, bj, lm) * inverse
                                guard v * v > slack[c] else { continue }
                                best[c] = max(0, base0[c] - (previous[c] + v * v))
                                for i in 0...m { sets[c * k + i] = ch[i] }
                                setSlack(c, previous)
                              }
                            } else {
                              let wm = w0 + m * r
                              let sm = s0 + (m + 1) * r
                              for c in 0..<r {
                                let v = component(m, c, bj, lm) * inverse
                                wm[c] = v
                                sm[c] = previous[c] + v * v
                              }
                              place(m + 1, j + 1)
                            }
                          }
                        }
                        place(0, 0)
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    var out = [[Int]](repeating: [], count: r)
    for c in 0..<r where bestRSS[c].isFinite {
      out[c] = Array(bestSets[(c * k)..<(c * k + k)])
    }
    return (bestRSS, out)
  }
}

/// The exhaustive search by whichever of ``HingeSearch`` (a QR per placement) and
/// ``GramHingeSearch`` (shared tables) costs less: the QR where its work, placements ×
/// `n (K + 2)(r + K + 2)`, is at most `qrWork` (every series of the R reference tests, whose
/// results must not move), the tables above.
struct JoinpointSearch {
  /// The largest QR work done per search (about a second): beyond it the tables are used.
  static let qrWork = 400_000_000.0

  let periods: [Double]
  let sqrtWeights: [Double]
  let responses: [Double]
  let r: Int
  let maxJoinpoints: Int
  let candidates: JoinpointCandidates
  var qr: HingeSearch?
  var tables: GramHingeSearch?

  init(
    periods: [Double], sqrtWeights: [Double], responses: [Double], r: Int, maxJoinpoints: Int,
    candidates: JoinpointCandidates
  ) {
    self.periods = periods
    self.sqrtWeights = sqrtWeights
    self.responses = responses
    self.r = r
    self.maxJoinpoints = maxJoinpoints
    self.candidates = candidates
  }

  /// Whether the `k`-joinpoint search uses the QR per placement.
  static func usesQR(k: Int, n: Int, r: Int, placements: Double) -> Bool {
    placements * Double(n * (k + 2)) * Double(r + k + 2) <= qrWork
  }

  mutating func best(_ k: Int) throws(StatisticsError) -> (rss: [Double], sets: [[Int]]) {
    let n = periods.count
    if k == 0 || Self.usesQR(k: k, n: n, r: r, placements: candidates.count(k)) {
      // Taken out while it works, so that its buffers are not copied on write.
      var search: HingeSearch
      if let existing = qr {
        search = existing
      } else {
        search = try HingeSearch(
          periods: periods, sqrtWeights: sqrtWeights, responses: responses, r: r,
          maxJoinpoints: maxJoinpoints)
      }
      qr = nil
      let result = try search.best(k, candidates: candidates)
      qr = search
      return result
    }
    if tables == nil {
      tables = try GramHingeSearch(
        periods: periods, sqrtWeights: sqrtWeights, responses: responses, r: r,
        positions: candidates.positions)
    }
    guard let search = tables else { throw .numerical("internal: no table search") }
    return search.best(k, candidates: candidates)
  }
}
