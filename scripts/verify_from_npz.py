"""Recomputes Γ_eff, the preds diff and the error-vs-k curves of a verify run from its .npz files alone."""
import sys
import numpy as np

run = sys.argv[1]                                      # a verify report folder, reports/<run-id>
W, P = np.load(f"{run}/weights.npz"), np.load(f"{run}/predictions.npz")
d = W["layer0.W_Q"].shape[0] - 1                       # tokens are D = d + 1 wide
W_KQ = W["layer0.W_K"].T @ W["layer0.W_Q"]              # also stored as W["layer0.W_KQ"]
W_PV = W["layer0.P"] @ W["layer0.W_V"]                  # also stored as W["layer0.W_PV"]
gamma = -W_PV[d, d] * W_KQ[:d, :d].T                    # Γ_eff = −v Aᵀ (W["layer0.Gamma_eff"])
eta = float(P["eta_star"])
print("gamma_eff", *gamma.ravel())
print("gamma_eff_scalar", np.trace(gamma) / d)
print("gamma_eff_residual", np.linalg.norm(gamma - eta * np.eye(d)) / (abs(eta) * np.sqrt(d)))
print("preds_diff", np.mean(np.abs(P["pred.trained"] - P["pred.gd"])))
for key in [k for k in P.files if k.startswith("error_vs_k.")]:  # [B_k, N]: predictions from k examples
    y = P["targets"][: len(P[key]), None]
    print(key, *(np.mean((P[key] - y) ** 2, axis=0) / np.mean(y ** 2)))
