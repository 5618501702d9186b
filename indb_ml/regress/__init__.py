"""Regression drivers (linear, logistic, GLMs, multinomial, ordinal, elastic net, variance
estimators, margins, cross-validation), called from the extension's thin PL/Python bodies."""
