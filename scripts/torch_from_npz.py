"""Loads a descent weights.npz into a plain PyTorch LSA (float64) and runs it on the prompts of predictions.npz."""
import sys
import numpy as np
import torch


class Lsa(torch.nn.Module):
    """Per layer e_j ← e_j + P W_V Σ_{i<N} e_i (e_iᵀ W_Kᵀ W_Q e_j) / N; ŷ = −(last coordinate of the query)."""

    def __init__(self, weights):
        super().__init__()
        count = len([k for k in weights.files if k.endswith(".W_Q")])  # distinct layers (1 when weight-tied)
        self.depth = int(weights["depth"])                               # layer applications L
        self.layers = torch.nn.ParameterList(
            torch.nn.Parameter(torch.from_numpy(weights[f"layer{l}.{m}"]))
            for l in range(count) for m in ("W_Q", "W_K", "W_V", "P"))

    def forward(self, tokens):                                          # [B, N+1, D] float64 -> [B]
        z, n, count = tokens, tokens.shape[1] - 1, len(self.layers) // 4
        for l in range(self.depth):
            w_q, w_k, w_v, p = self.layers[4 * (l % count): 4 * (l % count) + 4]
            c = z[:, :n].transpose(1, 2) @ z[:, :n] / n                 # Σ_{i<N} e_i e_iᵀ / N, [B, D, D]
            z = z + z @ (w_k.T @ w_q).T @ c @ (p @ w_v).T               # the layer in row form (e_jᵀ per row)
        return -z[:, -1, -1]


run = sys.argv[1]                                                       # a verify or compare report folder
model = Lsa(np.load(f"{run}/weights.npz"))
P = np.load(f"{run}/predictions.npz")
with torch.no_grad():
    pred = model(torch.from_numpy(P["tokens"]).double()).numpy()
print("max |torch - descent|", np.max(np.abs(pred - P["pred.trained"])))
