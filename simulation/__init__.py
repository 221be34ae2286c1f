"""`hall simulate`: simulated business days driven through the real queue engine.

:mod:`simulation.traffic` makes a day's timed commands (usable as demo traffic),
:mod:`simulation.run` carries them out on :class:`broker.engine.Engine` with a
simulated clock, :mod:`simulation.report` measures waits and estimate errors.
"""
