"""A pyabc sampler whose result does not depend on the number of worker processes.

pyabc draws its proposals from numpy's global random state inside `simulate_one`,
and its parallel samplers accept whichever particles finish first, so a run with
two workers differs from a run with one. `SeededBatchSampler` evaluates
candidates 0, 1, 2, ... of each generation, candidate i with numpy's global
state seeded from SeedSequence(seed, spawn_key=(generation, i)), in forked
worker processes, and accepts them in index order until n are accepted. The
accepted particles, their number of evaluations and hence the whole run are then
a function of the seed alone (the project's own draws never use the global
state; this seeding exists only because pyabc's do).

Candidates go to the workers in small chunks, in order, and a batch stops as
soon as the n-th acceptance arrives: only the chunks already under way are
evaluated in vain (a batch sized ahead from the acceptance rate used to be
evaluated whole, 20% beyond the expected need). The batch sizes change the work,
never the result.
"""

from __future__ import annotations

import multiprocessing

import numpy as np
from pyabc.sampler import Sampler

_SIMULATE_ONE = None  # set in the parent before the fork; inherited by the workers


def _candidate_seed(seed: int, generation: int, index: int) -> np.ndarray:
    generation = generation + 1  # pyabc's calibration sample is generation -1
    return np.random.SeedSequence(seed, spawn_key=(generation, index)).generate_state(4)


def _evaluate(args):
    seed, generation, index = args
    np.random.seed(_candidate_seed(seed, generation, index))
    return _SIMULATE_ONE()


class SeededBatchSampler(Sampler):
    """Evaluate candidates in batches (in `n_procs` forked processes), accept in index order."""

    def __init__(self, seed: int, n_procs: int = 1, min_batch: int = 8, chunk: int = 4, progress: bool = False):
        super().__init__()
        self.progress = progress
        """A progress bar per generation (accepted particles), on a terminal."""
        self.seed = int(seed)
        self.n_procs = max(1, int(n_procs))
        self.min_batch = min_batch
        self.chunk = chunk

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):
        global _SIMULATE_ONE
        _SIMULATE_ONE = simulate_one
        import sys

        from tqdm import tqdm

        sample = self._create_empty_sample()
        evaluated = accepted = 0
        bar = tqdm(total=n, desc=f"ABC generation {t + 1}" if t >= 0 else "ABC calibration sample", leave=False,
                   disable=not (self.progress and sys.stderr.isatty()), unit="particle")
        pool = (multiprocessing.get_context("fork").Pool(self.n_procs) if self.n_procs > 1 else None)
        try:
            while accepted < n and evaluated < max_eval:
                rate = (accepted + 1) / (evaluated + 1)
                size = int(max(self.min_batch, self.n_procs, min((n - accepted) / rate * 1.5, 4 * n)))
                if np.isfinite(max_eval):
                    size = int(min(size, max_eval - evaluated))
                jobs = [(self.seed, t, evaluated + k) for k in range(size)]
                # in order, chunk by chunk (imap), so the batch can stop at the n-th acceptance
                results = pool.imap(_evaluate, jobs, chunksize=self.chunk) if pool else map(_evaluate, jobs)
                for particle in results:
                    sample.append(particle)
                    evaluated += 1
                    if particle.accepted:
                        accepted += 1
                        bar.update(1)
                        if accepted == n:
                            break
        finally:
            bar.close()
            if pool is not None:
                pool.terminate()  # the chunks still under way are not needed
                pool.join()
            _SIMULATE_ONE = None
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample
