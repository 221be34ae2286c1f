"""Chart of estimated against real waits (PNG), one panel per load."""

from __future__ import annotations

from pathlib import Path

from simulation.report import error_figures
from simulation.run import SimResult


def estimate_chart(results: list[SimResult], path: str | Path) -> Path:
    """Scatter of each called ticket's estimate against its real wait, naive baseline beside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6.2 * len(results), 5.6), squeeze=False)
    for ax, result in zip(axes[0], results, strict=True):
        tickets = [t for d in result.days for t in d.tickets.values() if t.wait_min is not None]
        waits = [t.wait_min for t in tickets]
        figures = error_figures(tickets)
        top = max(30.0, sorted(waits)[int(0.99 * (len(waits) - 1))] * 1.15) if waits else 60.0
        ax.scatter(
            waits,
            [t.naive_min for t in tickets],
            s=5,
            alpha=0.25,
            color="#d62728",
            label=f"naive: MAE {figures['naive_mae_min']:.1f} min",
        )
        ax.scatter(
            waits,
            [t.legacy_min for t in tickets],
            s=5,
            alpha=0.25,
            color="#7f7f7f",
            label=f"before (prefix average): MAE {figures['legacy_mae_min']:.1f} min",
        )
        ax.scatter(
            waits,
            [t.estimate_min for t in tickets],
            s=5,
            alpha=0.45,
            color="#1f77b4",
            label=f"estimate: MAE {figures['estimate_mae_min']:.1f} min",
        )
        ax.plot([0, top], [0, top], color="black", linewidth=1, label="estimate = real wait")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("real wait, issue to first call (min)")
        ax.set_ylabel("estimated wait at issue (min)")
        ax.set_title(
            f"{result.load} load: {len(tickets)} tickets called, "
            f"{len(result.days)} days, seed {result.seed}"
        )
        ax.legend(loc="upper left", fontsize=8, markerscale=3)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
