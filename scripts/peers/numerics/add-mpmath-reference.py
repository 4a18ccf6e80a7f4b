#!/usr/bin/env python3
"""Adds an independent high-precision column to Tests/Fixtures/numerics/distributions.csv.

R's nmath is itself inexact in a few corners (e.g. qt(1 - 1e-10, 0.5), or qf returning 0
for tiny p with small df), so every row written by make-distribution-reference.R is
recomputed here with mpmath at 50 significant digits (regularized incomplete beta/gamma
and, for quantiles, a root of log(tail(q)) = log(p) found by mpmath.findroot in log q,
started from R's value or from the power-law tail approximation) and rounded to the
nearest double. Output columns: function,a1,a2,a3,a4,expected(R),mp_expected.

Usage (repository root, after the R script):
  python3 scripts/peers/numerics/add-mpmath-reference.py
"""
import csv, io, math, sys
import mpmath as mp

mp.mp.dps = 50
PATH = "Tests/Fixtures/numerics/distributions.csv"
INF = mp.inf


def reg_beta(a, b, x, y):
    """(I_x(a,b), I_y(b,a)) with x + y = 1, both computed as lower integrals."""
    return (mp.betainc(a, b, 0, x, regularized=True), mp.betainc(b, a, 0, y, regularized=True))


def gamma_pq(a, x):
    """(P(a,x), Q(a,x)) at working precision: the positive series
    P = x^a e^-x / Gamma(a+1) * sum x^n / ((a+1)...(a+n)) for x < a + 1, else the Legendre
    continued fraction for Q (modified Lentz); the other tail is the complement, which is
    at least about 1/2 there, so no significant digits are lost at 50-digit precision."""
    if x == 0:
        return mp.mpf(0), mp.mpf(1)
    eps = mp.mpf(10) ** (-(mp.mp.dps + 5))
    lpre = a * mp.log(x) - x - mp.loggamma(a)
    if x < a + 1:
        term = 1 / a
        total = term
        n = 0
        while True:
            n += 1
            term *= x / (a + n)
            total += term
            if term < total * eps:
                break
        P = mp.exp(lpre) * total
        return P, 1 - P
    tiny = mp.mpf(10) ** -300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    i = 0
    while True:
        i += 1
        an = -i * (i - a)
        b += 2
        d = an * d + b
        if abs(d) < tiny: d = tiny
        c = b + an / c
        if abs(c) < tiny: c = tiny
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            break
    Q = mp.exp(lpre) * h
    return 1 - Q, Q


def t_tails(q, nu):  # q > 0: (upper tail, central)
    x = nu / (nu + q * q)
    y = q * q / (nu + q * q)
    lo, up = reg_beta(nu / 2, mp.mpf(1) / 2, x, y)
    return lo / 2, up / 2


def cdf_pair(fn, q, args):
    """(lower, upper) tail probabilities at q."""
    if fn == "t":
        nu = args[0]
        if q == 0:
            return mp.mpf(1) / 2, mp.mpf(1) / 2
        tail, central = t_tails(abs(q), nu)
        return (tail, mp.mpf(1) / 2 + central) if q < 0 else (mp.mpf(1) / 2 + central, tail)
    if fn == "chisq":
        a = args[0] / 2
        return gamma_pq(a, q / 2)
    if fn == "gamma":
        a, s = args
        return gamma_pq(a, q / s)
    if fn == "f":
        d1, d2 = args
        x = d1 * q / (d1 * q + d2)
        y = d2 / (d1 * q + d2)
        return reg_beta(d1 / 2, d2 / 2, x, y)
    if fn == "norm":
        return mp.ncdf(q), mp.ncdf(-q)
    raise ValueError(fn)


def start_guess(fn, p, args):
    """Rough positive starting value for the quantile at lower-tail probability p."""
    if fn == "f":
        a, b = args[0] / 2, args[1] / 2
        if p < 0.5:
            y = mp.exp((mp.log(p) + mp.log(a) + mp.log(mp.beta(a, b))) / a)
            return args[1] * y / (args[0] * (1 - y))
        w = mp.exp((mp.log(1 - p) + mp.log(b) + mp.log(mp.beta(a, b))) / b)
        return args[1] * (1 - w) / (args[0] * w)
    return mp.mpf(1)


def quantile(fn, p, args, r_value):
    p = mp.mpf(p)
    if p == 0 or p == 1:
        return None
    if fn == "t":
        if p == mp.mpf(1) / 2:
            return mp.mpf(0)
        target = min(p, 1 - p)
        sign = -1 if p < mp.mpf(1) / 2 else 1
        g = lambda u: mp.log(t_tails(mp.exp(u), args[0])[0]) - mp.log(target)
        u0 = mp.log(abs(r_value)) if r_value not in (0.0,) and math.isfinite(r_value) else mp.mpf(700)
        q = mp.exp(mp.findroot(g, u0, tol=mp.mpf(10) ** -40, maxsteps=200))
        return sign * q
    lower = p <= mp.mpf(1) / 2
    target = p if lower else 1 - p
    def g(u):
        lo, up = cdf_pair(fn, mp.exp(u), args)
        return mp.log(lo if lower else up) - mp.log(target)
    if r_value > 0 and math.isfinite(r_value):
        u0 = mp.log(r_value)
    else:
        u0 = mp.log(start_guess(fn, p, args))
    return mp.exp(mp.findroot(g, u0, tol=mp.mpf(10) ** -40, maxsteps=200))


def value(fn, a, r_value):
    m = [mp.mpf(v) for v in a]
    if fn == "qnorm":
        if not (0 < m[0] < 1): return None
        if m[0] == mp.mpf(1) / 2: return mp.mpf(0)
        target = min(m[0], 1 - m[0])
        g = lambda u: mp.log(mp.ncdf(-mp.exp(u))) - mp.log(target)
        u0 = mp.log(abs(r_value)) if r_value != 0 else mp.mpf(0)
        q = mp.exp(mp.findroot(g, u0, tol=mp.mpf(10) ** -40, maxsteps=200))
        return -q if m[0] < mp.mpf(1) / 2 else q
    if fn == "pnorm": return mp.ncdf(m[0])
    if fn == "pnorm_upper": return mp.ncdf(-m[0])
    if fn == "qt": return quantile("t", a[0], [m[1]], r_value)
    if fn == "pt": return cdf_pair("t", m[0], [m[1]])[0]
    if fn == "pt_upper": return cdf_pair("t", m[0], [m[1]])[1]
    if fn == "qchisq": return quantile("chisq", a[0], [m[1]], r_value)
    if fn == "pchisq": return cdf_pair("chisq", m[0], [m[1]])[0]
    if fn == "pchisq_upper": return cdf_pair("chisq", m[0], [m[1]])[1]
    if fn == "qf": return quantile("f", a[0], [m[1], m[2]], r_value)
    if fn == "pf": return cdf_pair("f", m[0], [m[1], m[2]])[0]
    if fn == "pf_upper": return cdf_pair("f", m[0], [m[1], m[2]])[1]
    if fn == "qgamma": return quantile("gamma", a[0], [m[1], m[2]], r_value)
    if fn == "pgamma": return cdf_pair("gamma", m[0], [m[1], m[2]])[0]
    if fn == "lgamma": return mp.loggamma(m[0])
    if fn == "lbeta": return mp.log(mp.beta(m[0], m[1]))
    if fn == "pbeta": return mp.betainc(m[1], m[2], 0, m[0], regularized=True)
    if fn == "pgammaP": return gamma_pq(m[0], m[1])[0]
    if fn == "pgammaQ": return gamma_pq(m[0], m[1])[1]
    raise ValueError(fn)


def to_double_text(v, r_value):
    if v is None:
        return "%.17g" % r_value if not math.isfinite(r_value) else "NA"
    f = float(v)  # mpf -> nearest double (inf on overflow, 0 on underflow)
    if math.isinf(f):
        return "Inf" if f > 0 else "-Inf"
    return "%.17g" % f


def main():
    lines = open(PATH).read().splitlines()
    header = [l for l in lines if l.startswith("#") and not l.startswith("# mp_expected")]
    body = [l for l in lines if not l.startswith("#") and not l.startswith("function,")]
    out = header + ["# mp_expected: mpmath %s at %d digits (scripts/peers/numerics/add-mpmath-reference.py)" % (mp.__version__, mp.mp.dps),
                    "function,a1,a2,a3,a4,expected,mp_expected"]
    for row in body:
        f = row.split(",")[:6]
        fn = f[0]
        args = [float(x) for x in f[1:5] if x != "NA"]
        r_text = f[5]
        r_value = {"Inf": math.inf, "-Inf": -math.inf}.get(r_text, None)
        if r_value is None:
            r_value = float(r_text)
        try:
            v = value(fn, args, r_value)
            mp_text = to_double_text(v, r_value)
        except Exception as e:  # no silent fallback: mark as unavailable
            print("mpmath failed for", row, e, file=sys.stderr)
            mp_text = "NA"
        out.append(",".join(f + [mp_text]))
    open(PATH, "w").write("\n".join(out) + "\n")
    print("wrote", len(body), "rows")


if __name__ == "__main__":
    main()
