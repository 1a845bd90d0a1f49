"""Demand: profiles in officer-hours, hidden demand against peer forces, and forecasts.

Profiles (``profiles``) turn the force's incidents and crimes into volumes and officer-hours;
``hidden`` measures repeat victimisation and compares vulnerability demand with peer forces;
``forecast`` and ``backtest`` project demand with models chosen by rolling-origin backtests that
never see data after their origin. ``service`` holds what the web pages and the report call.
"""
