"""Experimental designs for sensitivity analysis (SALib), swept by chunk.

A design is a deterministic function of its settings (method, n, seed,
parameters), so every job of a sweep rebuilds the same design and runs only
its chunk of rows: `design.chunk=range(0,K)` cuts the work into K coarse jobs.
Each row is a paired run (programme vs counterfactual) whose key outputs are
recorded; `analyse` turns the rows into Morris mu*/sigma or Sobol S1/ST.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.params import ConfigError

METHODS = ("morris", "sobol", "lhs")

OUTPUTS = {
    "system_first_participants_effect": "effect on participants' system-first share (per-leader shares over the "
                                        "programme's weeks)",
    "system_first_others_effect": "effect on non-participants' system-first share (per-leader shares over the "
                                  "programme's weeks)",
    "system_first_effect": "effect on the share of system-first choices (everyone, weeks 1 to the programme's end)",
    "cross_org_ties_effect": "effect on participants' strong cross-organisation ties at the programme's end",
    "cross_org_ties_others_effect": "effect on non-participants' strong cross-organisation ties at the programme's end",
    "orientation_effect": "effect on participants' system orientation at the programme's end",
    "cascade_effect": "effect on non-participants' system orientation at the programme's end",
    "issue_success_effect": "effect on collective-issue success over the programme's weeks (expected success)",
    "network_agree_end": "participants agreeing they have a strong network, end of programme",
    "see_system_end": "participants strongly agreeing they see the system better, end of programme",
    "influence_disagree_end": "participants disagreeing they can influence the system, end of programme",
    "network_agree_end_real_change": "participants agreeing they have a strong network, end, without response shift",
    "cross_org_ties_followup": "effect on participants' strong cross-organisation ties at design.follow_to_week",
    "network_agree_followup": "participants agreeing they have a strong network at design.follow_to_week",
    "orientation_followup": "effect on participants' system orientation at design.follow_to_week",
    "issue_success_effect_followup": "effect on collective-issue success over the weeks after the programme to "
                                     "design.follow_to_week (expected success)",
}

OUTPUT_WORDS = {
    "system_first_participants_effect": "participants' system-first share (effect)",
    "system_first_others_effect": "non-participants' system-first share (effect)",
    "cross_org_ties_others_effect": "non-participants' new ties across organisations",
    "system_first_effect": "system-first choices (effect)",
    "issue_success_effect": "collective-issue success (effect)",
    "cross_org_ties_effect": "participants' new ties across organisations",
    "orientation_effect": "participants' orientation shift",
    "cascade_effect": "non-participants' orientation shift (cascade)",
    "network_agree_end": "'strong network': agree at the end (as reported)",
    "network_agree_end_real_change": "'strong network': agree at the end (real change only)",
    "see_system_end": "'see the system': strongly agree at the end",
    "influence_disagree_end": "'can influence': disagree at the end",
    "cross_org_ties_followup": "participants' ties left at the follow-up",
    "network_agree_followup": "'strong network': agree at the follow-up",
    "orientation_followup": "participants' orientation shift at the follow-up",
    "issue_success_effect_followup": "collective-issue success after the programme (effect)",
}
"""Short labels of the design outputs, for figure titles and printed lines."""

def problem(parameters: dict[str, list[float]]) -> dict[str, Any]:
    names = list(parameters)
    return {"num_vars": len(names), "names": names, "bounds": [list(map(float, parameters[k])) for k in names]}


def from_settings(d) -> pd.DataFrame:
    """The full design of a DesignSettings (or its dict)."""
    get = (lambda k: d[k]) if isinstance(d, dict) else (lambda k: getattr(d, k))
    levers = get("levers") if (not isinstance(d, dict) or "levers" in d) else None
    return build(get("method"), get("n"), get("parameters"), get("seed"), levers=levers)


def build(method: str, n: int, parameters: dict[str, list[float]], seed: int, key: str = "design",
          levers: dict[str, list] | None = None) -> pd.DataFrame:
    """The full design: one row per run, one column per parameter (dotted config paths).

    morris, sobol: SALib samples. lhs (scenario discovery): n futures, a Latin hypercube over the
    parameters' bounds (scipy.stats.qmc, seeded), each crossed with every combination of the
    `levers` ({path: [values]}); columns `future` and `policy` number them."""
    if method not in METHODS:
        raise ConfigError(f"{key}.method={method!r}: unknown (choose from {', '.join(METHODS)})")
    if not parameters:
        raise ConfigError(f"{key}.parameters={parameters!r}: list at least one parameter with bounds")
    for name, bounds in parameters.items():
        if len(bounds) != 2 or not float(bounds[0]) < float(bounds[1]):
            raise ConfigError(f"{key}.parameters.{name}={list(bounds)!r}: must be [low, high] with low < high")
    if levers and method != "lhs":
        raise ConfigError(f"{key}.levers: only used with {key}.method=lhs (it is {method})")
    prob = problem(parameters)
    if method == "lhs":
        import itertools

        from scipy.stats import qmc

        for name, values in (levers or {}).items():
            if not isinstance(values, (list, tuple)) or not values:
                raise ConfigError(f"{key}.levers.{name}={values!r}: must be a non-empty list of values")
        unit = qmc.LatinHypercube(d=len(prob["names"]), seed=np.random.default_rng(seed)).random(n)
        lo, hi = np.array(prob["bounds"]).T
        futures = pd.DataFrame(lo + unit * (hi - lo), columns=prob["names"])
        names = list(levers or {})
        combos = list(itertools.product(*[(levers or {})[k] for k in names])) or [()]
        rows = []
        for f, future in futures.iterrows():
            for p, combo in enumerate(combos):
                rows.append({"future": f, "policy": p, **future.to_dict(), **dict(zip(names, combo))})
        df = pd.DataFrame(rows)
        df.insert(0, "row", np.arange(len(df), dtype=np.int64))
        return df
    if method == "morris":
        from SALib.sample import morris

        x = morris.sample(prob, n, num_levels=4, seed=seed)
    else:
        from SALib.sample import sobol

        if n & (n - 1):
            raise ConfigError(f"{key}.n={n}: Sobol sampling needs a power of two")
        x = sobol.sample(prob, n, calc_second_order=False, seed=seed)
    df = pd.DataFrame(x, columns=prob["names"])
    df.insert(0, "row", np.arange(len(df), dtype=np.int64))
    return df


def chunk(design: pd.DataFrame, index: int, size: int, key: str = "design") -> pd.DataFrame:
    n_chunks = math.ceil(len(design) / size)
    if not 0 <= index < n_chunks:
        raise ConfigError(f"{key}.chunk={index}: the design has {n_chunks} chunks of {size} (0-{n_chunks - 1})")
    return design.iloc[index * size:(index + 1) * size]


def n_chunks(method: str, n: int, parameters: dict, size: int, levers: dict | None = None) -> int:
    k = len(parameters)
    if method == "lhs":
        rows = n * int(np.prod([len(v) for v in (levers or {}).values()] or [1]))
    else:
        rows = n * (k + 1) if method == "morris" else n * (k + 2)
    return math.ceil(rows / size)


def noise_variance(rows: pd.DataFrame, output: str, replicates: int) -> np.ndarray:
    """Each row's noise variance of its mean: the SD across its replicates squared over their number
    (zeros without replicates: no estimate, so nothing is subtracted)."""
    if replicates < 2 or f"{output}_sd" not in rows:
        return np.zeros(len(rows))
    sd = rows[f"{output}_sd"].to_numpy(float)
    return np.where(np.isfinite(sd), sd ** 2, np.nanmean(sd ** 2)) / replicates


def noise_share(rows: pd.DataFrame, replicates: int) -> pd.DataFrame:
    """Per output, the share of the variance of the design rows' means that is replicate noise:
    mean within-row variance / replicates over the variance of the row means (each row with its
    own seeds). Near 0: the indices describe the parameters; near 1: mostly noise."""
    out = []
    for output in OUTPUTS:
        if output not in rows or f"{output}_sd" not in rows:
            continue
        between = float(np.nanvar(rows[output].to_numpy(float), ddof=1))
        within = float(noise_variance(rows, output, replicates).mean())
        out.append({"output": output, "variance_of_row_means": between, "replicate_noise": within,
                    "noise_share": within / between if between > 0 else float("nan"), "replicates": replicates})
    return pd.DataFrame(out)


def sobol_estimates(y: np.ndarray, noise: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """First-order and total Sobol indices of the mean response from a Saltelli design's row means
    `y` (n blocks of k + 2 rows: A, the k A_B columns, B, as SALib samples without second order)
    with each row's noise variance `noise`, the noise deconvolved:

    - the outputs are centred first (as SALib does), which leaves the estimands unchanged and keeps
      an output's mean out of the estimators' variance;
    - the total variance of the mean response is the variance of the row means less the mean noise
      variance (V = Var(y) - nu; each row has its own seeds, so its noise is independent of the
      others');
    - first order (Saltelli et al. 2010): V_i = mean(f(B) (f(A_B^i) - f(A))); independent noise of
      mean zero adds nothing to it in expectation;
    - total (Jansen 1999): V_Ti = mean((f(A) - f(A_B^i))^2) / 2, which the noise of the two rows
      inflates by their mean noise variance, so that is subtracted (variance deconvolution:
      Clements, Geraci, Olson & Palmer 2024, arXiv:2403.06106).

    Blocks with a missing output are left out. Returns S1, ST (as shares of V), the noise share
    (nu over the variance of the row means) and V; the indices are NaN when V is not positive."""
    blocks = y.reshape(-1, k + 2)
    nu_blocks = noise.reshape(-1, k + 2)
    keep = np.isfinite(blocks).all(axis=1)
    blocks, nu_blocks = blocks[keep], nu_blocks[keep]
    blocks = blocks - blocks.mean()
    a, ab, b = blocks[:, 0], blocks[:, 1:k + 1], blocks[:, k + 1]
    total = np.var(np.concatenate([a, b]), ddof=1)
    nu = float(np.mean(np.concatenate([nu_blocks[:, 0], nu_blocks[:, k + 1]])))
    signal = total - nu
    first = np.mean(b[:, None] * (ab - a[:, None]), axis=0)
    pair_noise = np.mean((nu_blocks[:, :1] + nu_blocks[:, 1:k + 1]) / 2, axis=0)
    total_effect = np.mean((a[:, None] - ab) ** 2, axis=0) / 2 - pair_noise
    ok = signal > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"S1": first / signal if ok else np.full(k, np.nan), "ST": total_effect / signal if ok
                else np.full(k, np.nan), "noise_share": nu / total if total > 0 else np.nan, "variance": signal}


def sobol_indices(y: np.ndarray, noise: np.ndarray, k: int, resamples: int = 1000, seed: int = 0,
                  level: float = 0.95) -> dict[str, np.ndarray]:
    """`sobol_estimates` with bootstrap percentile intervals (base samples resampled with
    replacement, each block of k + 2 rows kept whole)."""
    point = sobol_estimates(y, noise, k)
    blocks, nu_blocks = y.reshape(-1, k + 2), noise.reshape(-1, k + 2)
    n = blocks.shape[0]
    rng = np.random.default_rng(seed)
    draws = {"S1": [], "ST": [], "noise_share": []}
    for _ in range(resamples):
        pick = rng.integers(0, n, n)
        e = sobol_estimates(blocks[pick].ravel(), nu_blocks[pick].ravel(), k)
        for key in draws:
            draws[key].append(e[key])
    tail = (1 - level) / 2 * 100
    out = dict(point)
    for key, values in draws.items():
        values = np.asarray(values)
        out[f"{key}_low"] = np.nanpercentile(values, tail, axis=0)
        out[f"{key}_high"] = np.nanpercentile(values, 100 - tail, axis=0)
    return out


def _legendre(degree: int, t: np.ndarray) -> np.ndarray:
    """The orthonormal Legendre polynomial of `degree` on [-1, 1] (uniform weight)."""
    coef = np.zeros(degree + 1)
    coef[degree] = 1.0
    return np.sqrt(2.0 * degree + 1.0) * np.polynomial.legendre.legval(t, coef)


def legendre_basis(unit: np.ndarray, enriched: tuple[int, ...] = (),
                   degree: int = 5) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Orthonormal Legendre polynomials of inputs scaled to [0, 1] (uniform inputs): every input's
    polynomials of degree 1 to 3; for every pair of inputs, the products of their polynomials of
    total degree 2 and 3 (P1 P1, P1 P2, P2 P1); and, among the `enriched` inputs, every product of
    any number of them up to total `degree` not already there (three-way and higher interactions,
    where a first fit says the inputs matter). The columns of the design matrix (no constant) and,
    per column, the inputs it involves."""
    t = 2.0 * unit - 1.0
    k = unit.shape[1]
    terms: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    for d in (1, 2, 3):
        terms += [((i,), (d,)) for i in range(k)]
    for i in range(k):
        for j in range(i + 1, k):
            terms += [((i, j), dij) for dij in ((1, 1), (1, 2), (2, 1))]
    present = set(terms)
    chosen = sorted(enriched)
    for order in range(1, len(chosen) + 1):
        for inputs in itertools.combinations(chosen, order):
            for degrees in itertools.product(range(1, degree + 1), repeat=order):
                if sum(degrees) <= degree and (inputs, degrees) not in present:
                    terms.append((inputs, degrees))
    columns = []
    for inputs, degrees in terms:
        column = np.ones(unit.shape[0])
        for i, d in zip(inputs, degrees):
            column = column * _legendre(d, t[:, i])
        columns.append(column)
    return np.column_stack(columns), [inputs for inputs, _ in terms]


ENRICH_AT = 0.05
"""An input whose total index from the first (pairwise) surrogate is at least this is enriched:
its interactions with the other enriched inputs of any order enter the second fit."""
ENRICHED_DEGREE = 5
"""The enriched terms' highest total degree: 5 gave the smallest five-fold cross-validated misfit
of the shipped Sobol study's least-carried output (degrees 5, 6, 7: 10%, 12%, 15% of its variance
beyond noise; docs/experiments.md)."""


SURROGATE_SHARE = 0.9
"""The share of the mean response's variance (the pick-freeze estimate, noise deconvolved) the
surrogate must carry for its indices to be reported; below it the pick-freeze indices are."""
SURROGATE_HELD_OUT_SHARE = 0.85
"""The share it must carry of design rows it was not fitted to (the check on overfitting): a
surrogate that fits its own rows but not others' gives indices of its own noise, so below this
the pick-freeze indices are reported."""


def _pce_parts(coef: np.ndarray, se2: np.ndarray, involves, k: int) -> dict[str, np.ndarray]:
    """Sobol indices from a surrogate's coefficients (no constant): each term's share of the
    variance is its squared coefficient less `se2` (the coefficient's sampling variance, what the
    fit's noise adds to a squared coefficient in expectation), floored at 0."""
    part = np.maximum(coef ** 2 - se2, 0.0)
    total = part.sum(axis=-1)
    first = np.zeros(part.shape[:-1] + (k,))
    total_effect = np.zeros_like(first)
    for column, inputs in enumerate(involves):
        for i in inputs:
            total_effect[..., i] += part[..., column]
        if len(inputs) == 1:
            first[..., inputs[0]] += part[..., column]
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"S1": first / total[..., None], "ST": total_effect / total[..., None], "variance": total}


def _normal_equations(design: np.ndarray, y: np.ndarray):
    """Least squares through the normal equations: (the inverse of design'design, the coefficients),
    or None where the design's terms cannot be told apart (its Gram matrix's smallest eigenvalue at
    most its largest times the number of terms times machine precision: a condition number of the
    design above about 1 / sqrt(terms x eps), some 10^6). The surrogate's orthonormal polynomials
    on a space-filling design keep that number small, where the normal equations are as accurate
    as an orthogonal decomposition and, on 25,600 rows and 900 terms, several times faster."""
    gram = design.T @ design
    eigen = np.linalg.eigvalsh(gram)
    if not eigen[0] > eigen[-1] * gram.shape[0] * np.finfo(float).eps:
        return None
    bread = np.linalg.inv(gram)
    return bread, bread @ (design.T @ y)


def _least_squares(basis: np.ndarray, y: np.ndarray, k_blocks: int | None):
    """The surrogate's least-squares fit to the finite rows: coefficients (constant first), their
    covariance robust to unequal noise and clustered by the design's blocks of `k_blocks` rows (a
    Saltelli block's rows share all but one input, so their misfits are correlated; White 1980),
    and the residuals; None where the rows cannot fit it (fewer complete rows than twice its terms,
    or terms the design cannot tell apart, `_normal_equations`)."""
    keep = np.isfinite(y)
    design = np.column_stack([np.ones(len(y)), basis])[keep]
    y = y[keep]
    if len(y) < 2 * design.shape[1]:
        return None
    solved = _normal_equations(design, y)
    if solved is None:
        return None
    bread, coef = solved
    resid = y - design @ coef
    scores = design * resid[:, None]
    if k_blocks:
        clusters = np.flatnonzero(keep) // k_blocks
        scores = np.add.reduceat(scores, np.flatnonzero(np.r_[True, np.diff(clusters) != 0]), axis=0)
    return coef, bread @ (scores.T @ scores) @ bread, resid


def held_out_misfit(basis: np.ndarray, y: np.ndarray, k_blocks: int, folds: int = 5) -> float:
    """The surrogate's mean squared error on rows it was not fitted to: the design's blocks of
    `k_blocks` rows dealt into `folds` folds, each predicted from a fit to the others (a whole
    block held out at once, so a row is never predicted from its block's near-copies). It includes
    the rows' noise; NaN where a fold's fit is not possible. Each fold's normal equations are the
    whole's less the fold's own, so the folds cost one pass over the rows."""
    keep = np.isfinite(y)
    design = np.column_stack([np.ones(len(y)), basis])
    fold = (np.arange(len(y)) // k_blocks) % folds
    kept = design[keep]
    gram, moment = kept.T @ kept, kept.T @ y[keep]
    errors = []
    for f in range(folds):
        train, test = keep & (fold != f), keep & (fold == f)
        if train.sum() < 2 * design.shape[1] or not test.any():
            return float("nan")
        part = design[test]
        try:
            coef = np.linalg.solve(gram - part.T @ part, moment - part.T @ y[test])
        except np.linalg.LinAlgError:
            return float("nan")
        errors.append((y[test] - part @ coef) ** 2)
    return float(np.mean(np.concatenate(errors)))


def pce_indices(unit: np.ndarray, y: np.ndarray, k_blocks: int | None = None, draws: int = 1000, seed: int = 0,
                level: float = 0.95) -> dict[str, np.ndarray]:
    """Sobol indices of the mean response from a polynomial-chaos surrogate (Sudret 2008) fitted by
    least squares to the design rows' means (`legendre_basis`), in two stages: a first fit with
    every input's own terms and every pair's; then, where that fit gives inputs a total index of
    at least `ENRICH_AT`, a second fit that adds those inputs' interactions of every order up to
    total degree `ENRICHED_DEGREE` (an adaptive, sparse expansion in the spirit of Blatman &
    Sudret 2011: terms only where the first fit says they can matter). Each term's share of the
    variance is its squared coefficient less that coefficient's sampling variance, so the noise
    the fit picks up is subtracted term by term; S1 sums an input's own terms, ST every term
    involving it. Intervals: the coefficients' sampling distribution drawn `draws` times
    (`_least_squares`' clustered covariance), each draw's squared coefficients less twice the
    sampling variance (a drawn coefficient carries it once more). The intervals are for the
    surrogate's indices: what the surrogate cannot represent is in `variance` against the
    pick-freeze estimate of the whole (`analyse`'s `surrogate_share`), and `held_out` is its
    misfit on rows it was not fitted to (`held_out_misfit`, with `k_blocks`). None where the rows
    cannot fit the first surrogate: the pick-freeze estimates stand alone then."""
    k = unit.shape[1]
    basis, involves = legendre_basis(unit)
    fit = _least_squares(basis, y, k_blocks)
    if fit is None:
        return None
    first = _pce_parts(fit[0][1:], np.clip(np.diag(fit[1])[1:], 0.0, None), involves, k)
    enriched = tuple(int(i) for i in np.flatnonzero(np.nan_to_num(first["ST"]) >= ENRICH_AT))
    if len(enriched) >= 2:
        wider, wider_involves = legendre_basis(unit, enriched, ENRICHED_DEGREE)
        wider_fit = _least_squares(wider, y, k_blocks)
        if wider_fit is not None:
            basis, involves, fit = wider, wider_involves, wider_fit
    coef, cov, resid = fit
    se2 = np.clip(np.diag(cov)[1:], 0.0, None)
    point = _pce_parts(coef[1:], se2, involves, k)
    rng = np.random.default_rng(seed)
    sampled = rng.multivariate_normal(coef[1:], cov[1:, 1:], size=draws, method="eigh")
    spread = _pce_parts(sampled, 2.0 * se2, involves, k)
    tail = (1 - level) / 2 * 100
    out = {**point, "residual": float(resid @ resid) / max(len(resid) - len(coef), 1),
           "terms": len(coef) - 1, "enriched": enriched,
           "held_out": held_out_misfit(basis, y, k_blocks) if k_blocks else float("nan")}
    for key in ("S1", "ST"):
        out[f"{key}_low"] = np.nanpercentile(spread[key], tail, axis=0)
        out[f"{key}_high"] = np.nanpercentile(spread[key], 100 - tail, axis=0)
    return out


def convergence(parameters: dict[str, list[float]], rows: pd.DataFrame, seed: int, replicates: int = 1,
                sizes=(128, 256, 512, 1024)) -> pd.DataFrame:
    """Sobol indices from the first N base samples of the design, for each N in `sizes` the design
    holds: a Sobol sequence is extensible, so the first N (k + 2) rows are the N-sample design."""
    k = len(parameters)
    frames = []
    for n in sizes:
        subset = rows[rows["row"] < n * (k + 2)]
        if len(subset) < n * (k + 2):
            continue
        frames.append(analyse("sobol", parameters, subset, seed, replicates, resamples=200).assign(N=n))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def analyse(method: str, parameters: dict[str, list[float]], rows: pd.DataFrame, seed: int, replicates: int = 1,
            resamples: int = 1000, surrogate: bool = True) -> pd.DataFrame:
    """Sensitivity indices per output: Morris mu*, mu*_conf, sigma. Sobol: the pick-freeze
    estimates with the replicate noise deconvolved (`sobol_estimates`, bootstrap intervals; columns
    `pick_freeze_*`), a polynomial-chaos surrogate's (`pce_indices`; columns `surrogate_*`), and
    the reported S1 and ST with their 95% intervals: the surrogate's where it carries at least
    `SURROGATE_SHARE` of the mean response's variance (`surrogate_share`, against the pick-freeze
    estimate of that variance) and `SURROGATE_HELD_OUT_SHARE` of it on rows it was not fitted to,
    else the pick-freeze ones (`estimator` says which). The surrogate
    uses every row for every index, so its intervals are several times narrower; the pick-freeze
    estimates need no model of the response, so they are the check on it; and
    `surrogate_held_out_share` is the share it carries of rows it was not fitted to (one less its
    held-out misfit beyond the rows' noise, over the variance), the check on overfitting. Also each
    output's noise share."""
    # the design's column order is its sampling order, which Sobol's estimators depend on
    ordered = {name: parameters[name] for name in rows.columns if name in parameters}
    prob = problem(ordered)
    rows = rows.sort_values("row")
    x = rows[prob["names"]].to_numpy()
    out = []
    for output in OUTPUTS:
        if output not in rows:
            continue
        y = rows[output].to_numpy(dtype=float)
        if method == "morris":
            from SALib.analyze import morris

            y = np.where(np.isnan(y), np.nanmean(y), y)
            r = morris.analyze(prob, x, y, num_levels=4, seed=seed)
            for i, name in enumerate(prob["names"]):
                out.append({"output": output, "parameter": name, "mu_star": r["mu_star"][i],
                            "mu_star_conf": r["mu_star_conf"][i], "sigma": r["sigma"][i]})
            continue
        k = len(prob["names"])
        noise = noise_variance(rows, output, replicates)
        r = sobol_indices(y, noise, k, resamples, seed)
        lo, hi = np.array(prob["bounds"]).T
        s = pce_indices((x - lo) / (hi - lo), y, k + 2, resamples, seed) if surrogate else None
        share = s["variance"] / r["variance"] if s is not None and r["variance"] > 0 else np.nan
        held_out_share = (1 - (s["held_out"] - np.nanmean(noise)) / r["variance"]
                          if s is not None and r["variance"] > 0 else np.nan)
        trusted = s is not None and share >= SURROGATE_SHARE and held_out_share >= SURROGATE_HELD_OUT_SHARE
        lead, estimator = (s, "surrogate") if trusted else (r, "pick-freeze")
        for i, name in enumerate(prob["names"]):
            row = {"output": output, "parameter": name, "estimator": estimator}
            row.update({key: lead[key][i] for key in ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high")})
            row.update({f"pick_freeze_{key}": r[key][i] for key in ("S1", "S1_low", "S1_high", "ST", "ST_low",
                                                                     "ST_high")})
            row.update({f"surrogate_{key}": s[key][i] if s is not None else np.nan
                        for key in ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high")})
            row["surrogate_share"] = share
            row["surrogate_held_out_share"] = held_out_share
            row.update({"noise_share": r["noise_share"], "noise_share_low": r["noise_share_low"],
                        "noise_share_high": r["noise_share_high"]})
            out.append(row)
    return pd.DataFrame(out)


def replicate_outputs(results: pd.DataFrame, survey: pd.DataFrame, end: int,
                      follow_up: int | None = None, leader_effects: pd.DataFrame | None = None) -> pd.DataFrame:
    """The key outputs of one design row, one row per paired replicate (programme minus
    counterfactual for effects; participants' survey shares in the programme arm); with
    `follow_up`, the same network item and ties at that later week too. System-first effects by
    group come from the per-leader shares over the programme's weeks (`leader_effects`)."""
    from experiments.analysis.effects import survey_statistics
    from sim.survey import shares

    wide = results[results["metric"].isin(["system_first_share", "strong_cross_ties_participants",
                                           "strong_cross_ties_others", "orientation_participants",
                                           "orientation_others", "issue_success_rate"])]
    wide = wide.pivot_table(index=["metric", "replicate", "week"], columns="arm", values="value", observed=True)
    diff = (wide["intervention"] - wide["counterfactual"]).rename("effect").reset_index()

    def effect(metric: str, weeks) -> pd.Series:
        d = diff[(diff["metric"] == metric) & diff["week"].isin(list(weeks))]
        return d.groupby("replicate")["effect"].mean()

    stats_ = survey_statistics(survey, end)
    on = stats_[stats_["arm"] == "intervention"].set_index("replicate")
    out = pd.DataFrame({
        "system_first_effect": effect("system_first_share", range(1, end + 1)),
        "issue_success_effect": effect("issue_success_rate", range(1, end + 1)),
        "cross_org_ties_effect": effect("strong_cross_ties_participants", [end]),
        "cross_org_ties_others_effect": effect("strong_cross_ties_others", [end]),
        "orientation_effect": effect("orientation_participants", [end]),
        "cascade_effect": effect("orientation_others", [end]),
        "network_agree_end": on["network_agree_end"],
        "network_agree_end_real_change": on["network_agree_end_without_shift"],
        "see_system_end": on["see_system_strongly_agree_end"],
        "influence_disagree_end": on["influence_disagree_end"],
    })
    if leader_effects is not None and not leader_effects.empty:
        at_end = leader_effects[leader_effects["week"] == end].set_index("replicate")
        for group in ("participants", "others"):
            out[f"system_first_{group}_effect"] = at_end[at_end["metric"] == f"system_first_{group}"]["effect"]
        # expected issue success over the programme's weeks (`sim.metrics.issue_success_share`)
        out["issue_success_effect"] = at_end[at_end["metric"] == "issue_success_rate"]["effect"]
    if follow_up is not None and follow_up > end:
        out["cross_org_ties_followup"] = effect("strong_cross_ties_participants", [follow_up])
        out["orientation_followup"] = effect("orientation_participants", [follow_up])
        later = leader_effects[(leader_effects["week"] == follow_up) & (leader_effects["metric"] == "issue_success_rate")] \
            if leader_effects is not None and not leader_effects.empty else None
        # expected success over the weeks after the programme (`sim.metrics.issue_success_share`), as at the end
        out["issue_success_effect_followup"] = (later.set_index("replicate")["effect"] if later is not None
                                                else effect("issue_success_rate", range(end + 1, follow_up + 1)))
        d = survey[(survey["group"] == "participant") & (survey["week"] == follow_up) & (survey["arm"] == "intervention")]
        s = shares(d, by=("replicate",)).set_index("replicate")
        out["network_agree_followup"] = s["network_agree"]
    return out


def row_outputs(results: pd.DataFrame, survey: pd.DataFrame, end: int, follow_up: int | None = None,
                leader_effects: pd.DataFrame | None = None) -> dict[str, float]:
    """One design row's outputs: each output's mean over the paired replicates and, as
    `{output}_sd`, its SD across them (the replicate noise `analyse` deconvolves)."""
    per = replicate_outputs(results, survey, end, follow_up, leader_effects)
    out = {k: float(v) for k, v in per.mean().items()}
    if len(per) > 1:
        out.update({f"{k}_sd": float(v) for k, v in per.std(ddof=1).items()})
    return out


# ------------------------------------------------------------------ a sweep's rows

def collect_rows(root: Path, jobs: list[Path] | None = None) -> tuple[pd.DataFrame, Path, dict] | None:
    """The design rows the complete jobs below a sweep's directory wrote (with a `job` column, in
    row order), saved as its sweep_results.parquet: (rows, that file, the first such job's config);
    None if no job wrote design rows. Aggregation and scenario discovery both start here."""
    import json

    from experiments.running.jobs import complete_jobs
    from experiments.outputs.files import atomic_write_parquet

    root = Path(root)
    jobs = complete_jobs(root) if jobs is None else jobs
    design_jobs = [j for j in jobs if (j / "design_rows.parquet").is_file()]
    if not design_jobs:
        return None
    configs = [json.loads((j / "provenance.json").read_text())["config"] for j in design_jobs]
    first = {k: v for k, v in configs[0]["design"].items() if k != "chunk"}
    for job, config in zip(design_jobs, configs):  # one design: a chunk run with other bounds is not its part
        other = {k: v for k, v in config["design"].items() if k != "chunk"}
        if other != first:
            key = next(k for k in [*first, *other] if first.get(k) != other.get(k))
            raise ConfigError(f"{job}: its design.{key} differs from {design_jobs[0].name}'s (the chunks of one "
                              "design must share it: a recalibration during a sweep changes `posterior` bounds); "
                              "re-run the sweep in a new folder")
    rows = pd.concat([pd.read_parquet(j / "design_rows.parquet").assign(job=j.name) for j in design_jobs],
                     ignore_index=True).sort_values("row").reset_index(drop=True)
    path = root / "sweep_results.parquet"
    atomic_write_parquet(rows, path)
    return rows, path, configs[0]


# ------------------------------------------------------------------ the tables a reader sees

def _cell(v: float) -> str:
    return f"{v:.2f}"


def sobol_tables(indices: pd.DataFrame, convergence: pd.DataFrame, shown_at: float = 0.05) -> tuple[str, str]:
    """Markdown tables of a Sobol study, as docs/experiments.md shows them: per output, its
    estimator (the surrogate's share of the variance, in sample and held out), its noise share,
    the sum of first-order indices and each input with ST >= `shown_at` (S1 / ST with 95%
    intervals, largest ST first); then the top input's ST at each N of the convergence study."""
    name = lambda p: p.split(".")[-1]  # noqa: E731
    lines = ["| output | estimator (surrogate's share; held out) | noise share [95%] | sum S1 | "
             f"inputs with ST >= {shown_at:g}: S1 [95%] / ST [95%] |", "|---|---|---|---|---|"]
    for output, d in indices.groupby("output", sort=False):
        first = d.iloc[0]
        inputs = [f"`{name(r.parameter)}` {_cell(r.S1)} [{_cell(r.S1_low)}, {_cell(r.S1_high)}] / {_cell(r.ST)} "
                  f"[{_cell(r.ST_low)}, {_cell(r.ST_high)}]"
                  for r in d.sort_values("ST", ascending=False, kind="stable").itertuples() if r.ST >= shown_at]
        lines.append(f"| {output} | {first.estimator} ({_cell(first.surrogate_share)}; "
                     f"{_cell(first.surrogate_held_out_share)}) | {_cell(first.noise_share)} "
                     f"[{_cell(first.noise_share_low)}, {_cell(first.noise_share_high)}] | {_cell(d.S1.sum())} | "
                     + "; ".join(inputs) + " |")
    sizes = sorted(int(n) for n in convergence["N"].unique())
    conv = ["| output | top input | " + " | ".join(f"ST at N={n}" if i == 0 else str(n)
                                                  for i, n in enumerate(sizes)) + " |",
            "|---|---|" + "---|" * len(sizes)]
    for output, d in indices.groupby("output", sort=False):
        top = d.loc[d.ST.idxmax(), "parameter"]
        at = convergence[(convergence.output == output) & (convergence.parameter == top)].set_index("N")
        cells = [f"{_cell(at.loc[n, 'ST'])} [{_cell(at.loc[n, 'ST_low'])}, {_cell(at.loc[n, 'ST_high'])}]"
                 if n in at.index else "" for n in sizes]
        conv.append(f"| {output} | `{name(top)}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n", "\n".join(conv) + "\n"
