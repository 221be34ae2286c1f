"""Chart of estimated against real waits (PNG): one row per load, the estimate beside the
baselines."""

from __future__ import annotations

from pathlib import Path

from simulation.report import error_figures
from simulation.run import SimResult

PANELS = (
    (
        "this estimate",
        (("estimate_min", "estimate", "#1f77b4", "estimate"),),
    ),
    (
        "baselines",
        (
            ("naive_min", "naive", "#d62728", "naive (people ahead x item minutes / windows)"),
            ("legacy_min", "legacy", "#7f7f7f", "before (prefix moving average)"),
        ),
    ),
)


def estimate_chart(results: list[SimResult], path: str | Path) -> Path:
    """Scatter of each called ticket's estimate at issue against the wait it really had."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(results), len(PANELS), figsize=(11, 5.2 * len(results)), squeeze=False
    )
    for row, result in zip(axes, results, strict=True):
        tickets = [t for d in result.days for t in d.tickets.values() if t.wait_min is not None]
        waits = [t.wait_min or 0.0 for t in tickets]
        figures = error_figures(tickets)
        top = max(30.0, sorted(waits)[int(0.98 * (len(waits) - 1))] * 1.1) if waits else 60.0
        for ax, (title, series) in zip(row, PANELS, strict=True):
            for field, key, colour, label in series:
                ax.scatter(
                    waits,
                    [getattr(t, field) for t in tickets],
                    s=4,
                    alpha=0.25,
                    color=colour,
                    label=f"{label}: MAE {figures[f'{key}_mae_min']:.1f}, "
                    f"p90 {figures[f'{key}_p90_err_min']:.0f} min",
                )
            ax.plot([0, top], [0, top], color="black", linewidth=1)
            ax.set_xlim(0, top)
            ax.set_ylim(0, top)
            ax.set_xlabel("real wait: issue to first call (min)")
            ax.set_ylabel("estimated wait at issue (min)")
            ax.set_title(
                f"{result.load} load, {title}: {len(tickets)} tickets, "
                f"{len(result.days)} days, seed {result.seed}",
                fontsize=10,
            )
            ax.legend(loc="upper left", fontsize=8, markerscale=3)
            ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
