"""GPT-2 in plain PyTorch, with the module names of Hugging Face's GPT2LMHeadModel.

Its state_dict() names are exactly the tensor names attn writes into model.safetensors
(transformer.wte.weight, transformer.h.0.attn.c_attn.weight, ...), so a checkpoint goes in
and out without renaming. The arithmetic is GPT-2's, which attn's GPT computes too:
learned positions, pre-norm blocks, Conv1D layers whose weight is stored [in, out]
(y = x @ W + b), scaled causal self-attention, tanh GELU ("gelu_new"), a final LayerNorm,
and the output head tied to the token embedding (logits = h @ wte^T; no lm_head tensor).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


class GPT2Config:
    """The config.json keys the forward pass needs (transformers' GPT2Config names)."""

    def __init__(self, raw):
        self.vocab_size = raw["vocab_size"]
        self.n_positions = raw.get("n_positions") or raw["n_ctx"]
        self.n_embd = raw["n_embd"]
        self.n_layer = raw["n_layer"]
        self.n_head = raw["n_head"]
        self.n_inner = raw.get("n_inner") or 4 * self.n_embd
        self.layer_norm_epsilon = raw.get("layer_norm_epsilon", 1e-5)
        self.resid_pdrop = raw.get("resid_pdrop", 0.1)
        self.embd_pdrop = raw.get("embd_pdrop", 0.1)
        self.attn_pdrop = raw.get("attn_pdrop", 0.1)
        # attn's nanoGPT-style bias=false models store zero biases; they must stay zero to load back.
        self.bias = (raw.get("attn") or {}).get("bias", True)
        activation = raw.get("activation_function", "gelu_new")
        if activation not in ("gelu_new", "gelu_pytorch_tanh"):
            raise ValueError(f"config.json: activation_function {activation!r}; this example computes the tanh GELU (gelu_new)")
        if raw.get("model_type") != "gpt2":
            raise ValueError(f"config.json: model_type {raw.get('model_type')!r}; this example trains GPT-2")
        if raw.get("scale_attn_by_inverse_layer_idx") or raw.get("add_cross_attention") or raw.get("scale_attn_weights") is False:
            raise ValueError("config.json: scale_attn_by_inverse_layer_idx / add_cross_attention / scale_attn_weights=false are not plain GPT-2")
        if self.n_embd % self.n_head != 0:
            raise ValueError(f"config.json: n_embd {self.n_embd} is not divisible by n_head {self.n_head}")


class Conv1D(nn.Module):
    """GPT-2's linear layer: weight [in, out], y = x @ W + b."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        rows = x.reshape(-1, x.size(-1))  # (B*T, in)
        return torch.addmm(self.bias, rows, self.weight).reshape(*x.shape[:-1], self.weight.size(1))


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head = c.n_head
        self.c_attn = Conv1D(c.n_embd, 3 * c.n_embd)
        self.c_proj = Conv1D(c.n_embd, c.n_embd)
        self.attn_dropout = nn.Dropout(c.attn_pdrop)
        self.resid_dropout = nn.Dropout(c.resid_pdrop)

    def forward(self, x):
        B, T, C = x.shape
        H = self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.reshape(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))  # each (B, H, T, D)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)  # (B, H, T, T)
        # The causal mask is made here, not kept as a buffer: gloo cannot broadcast bool buffers (DDP syncs buffers).
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        weights = scores.masked_fill(~causal, float("-inf")).softmax(-1)
        y = self.attn_dropout(weights) @ v  # (B, H, T, D)
        y = y.transpose(1, 2).reshape(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = Conv1D(c.n_embd, c.n_inner)
        self.c_proj = Conv1D(c.n_inner, c.n_embd)
        self.dropout = nn.Dropout(c.resid_pdrop)

    def forward(self, x):
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.wpe = nn.Embedding(c.n_positions, c.n_embd)
        self.drop = nn.Dropout(c.embd_pdrop)
        self.h = nn.ModuleList(Block(c) for _ in range(c.n_layer))
        self.ln_f = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)


class GPT2LMHeadModel(nn.Module):
    """GPT-2 language model; forward(ids, targets) returns (logits, mean cross-entropy or None)."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.transformer = GPT2Body(c)
        if not c.bias:
            # Bias-free (attn.bias false): keep the stored zeros, so attn reads the result back.
            for name, p in self.named_parameters():
                if name.endswith(".bias"):
                    p.requires_grad_(False)

    def forward(self, ids, targets=None):
        t = self.transformer
        T = ids.size(1)
        if T > self.config.n_positions:
            raise ValueError(f"{T} tokens exceed the model's context of {self.config.n_positions}")
        x = t.drop(t.wte(ids) + t.wpe(torch.arange(T, device=ids.device)))  # (B, T, C)
        for block in t.h:
            x = block(x)
        logits = F.linear(t.ln_f(x), t.wte.weight)  # tied head: (B, T, V)
        loss = None if targets is None else F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss
