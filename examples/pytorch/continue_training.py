#!/usr/bin/env python3
"""Continue training an attn model in PyTorch, on many processes, and write it back for attn.

Prototype in attn, export, scale out here, come back to attn to look inside:

  attn train --data input.txt --tokenizer bpe:1024 --out runs/proto
  attn export runs/proto --hf runs/hf
  torchrun --standalone --nproc_per_node=2 examples/pytorch/continue_training.py \\
      --checkpoint runs/hf --data input.txt --out runs/continued --steps 200
  attn inspect runs/continued --prompt "To be, or not"

One process per device: CPU processes talk over gloo, GPUs over nccl (chosen automatically;
--backend overrides). --strategy ddp (default) keeps a full replica per process and averages
gradients (DistributedDataParallel); --strategy fsdp shards parameters, gradients and optimizer
state across processes (FullyShardedDataParallel, for models that do not fit one GPU).

Reads config.json + model.safetensors (or shards) + the tokenizer files of --checkpoint, and
writes --out in the same layout (model.safetensors in F32 with GPT2LMHeadModel's names, the
tied head left out; config.json; the tokenizer files copied), which attn and Hugging Face
transformers both load. Needs only torch (no transformers, no safetensors package).
"""
import argparse
import math
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint_dir import check_out_dir, load_into, read_config, save_directory  # noqa: E402
from gpt2_model import Block, GPT2Config, GPT2LMHeadModel  # noqa: E402
from text_tokenizer import load_tokenizer  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", required=True, help="directory written by `attn export --hf` (or attn train --out)")
    p.add_argument("--data", required=True, help="UTF-8 text to train on; the last 10%% is held out")
    p.add_argument("--out", required=True, help="directory to write (same layout; refused if it holds files, unless --force)")
    p.add_argument("--force", action="store_true", help="replace --out if it holds files")
    p.add_argument("--steps", type=int, default=100, help="optimizer steps")
    p.add_argument("--batch", type=int, default=8, help="sequences per process per step (global batch = batch x processes)")
    p.add_argument("--lr", type=float, default=3e-4, help="peak learning rate (AdamW, 10%% warm-up, cosine to lr/10)")
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--eval-batches", type=int, default=8, help="held-out batches (per process) for the loss before and after")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--backend", choices=["nccl", "gloo"], help="collective backend (default: nccl on GPUs, gloo on CPU)")
    p.add_argument("--strategy", choices=["ddp", "fsdp"], default="ddp")
    return p.parse_args()


def setup():
    """Joins the process group torchrun describes in the environment; one device per process."""
    rank = int(os.environ.get("RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", 1))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
        # Processes share the cores; each takes its part.
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", world))))
    return rank, world, device


def windows(ids, block, batch, generator):
    """`batch` random windows of block + 1 tokens: inputs and next-token targets, each (batch, block)."""
    starts = torch.randint(0, len(ids) - block - 1, (batch,), generator=generator)
    rows = torch.stack([ids[s : s + block + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


@torch.no_grad()
def held_out_loss(model, val, block, batch, batches, seed, device, world):
    """Mean loss over the same held-out windows (split across processes), averaged over all processes."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    total = torch.zeros(2, device=device)
    for _ in range(batches):
        x, y = windows(val, block, batch, g)
        _, loss = model(x.to(device), y.to(device))
        total += torch.tensor([loss.item(), 1.0], device=device)
    if world > 1:
        dist.all_reduce(total)
    model.train()
    return (total[0] / total[1]).item()


def require_fsdp():
    """FSDP's classes, or a clear exit: it needs torch >= 2.1 (ModuleWrapPolicy), and some builds cannot import it at all."""
    try:
        from torch.distributed.fsdp import FullyShardedDataParallel
        from torch.distributed.fsdp.wrap import ModuleWrapPolicy
    except Exception as e:
        raise SystemExit(f"--strategy fsdp: FullyShardedDataParallel is not usable in this torch {torch.__version__} ({type(e).__name__}: {str(e)[:120]}); use --strategy ddp")
    return FullyShardedDataParallel, ModuleWrapPolicy


def wrap(model, strategy, device):
    if strategy == "ddp":
        return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    FSDP, ModuleWrapPolicy = require_fsdp()
    # One FSDP unit per transformer block; the embeddings (wte, tied to the head) stay in the root unit.
    return FSDP(model, auto_wrap_policy=ModuleWrapPolicy({Block}), use_orig_params=True, device_id=device if device.type == "cuda" else None)


def full_state_dict(model, strategy):
    """Every parameter on the CPU, on rank 0 (FSDP gathers the shards)."""
    if strategy == "ddp":
        return {n: t.detach().cpu() for n, t in model.module.state_dict().items()}
    from torch.distributed.fsdp import FullStateDictConfig, StateDictType
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    with FSDP.state_dict_type(model, StateDictType.FULL_STATE_DICT, FullStateDictConfig(offload_to_cpu=True, rank0_only=True)):
        return model.state_dict()


def main():
    args = parse_args()
    rank, world, device = setup()
    check_out_dir(args.out, args.force)  # every process checks, so all stop together before any work
    if args.strategy == "fsdp":
        require_fsdp()
    backend = args.backend or ("nccl" if device.type == "cuda" else "gloo")
    dist.init_process_group(backend=backend)
    log = (lambda *a: print(*a, flush=True)) if rank == 0 else (lambda *a: None)

    raw = read_config(args.checkpoint)
    config = GPT2Config(raw)
    torch.manual_seed(args.seed)  # identical initial values everywhere (then overwritten by the checkpoint)
    model = GPT2LMHeadModel(config)
    load_into(model, args.checkpoint)
    model.to(device)

    with open(args.data, encoding="utf-8") as f:
        ids = torch.tensor(load_tokenizer(args.checkpoint, notes=rank == 0).encode(f.read()), dtype=torch.long)
    if int(ids.max()) >= config.vocab_size:
        raise SystemExit(f"{args.data}: token id {int(ids.max())} is outside the model's vocabulary of {config.vocab_size}")
    cut = int(len(ids) * 0.9)
    train, val = ids[:cut], ids[cut:]
    block = config.n_positions
    if len(val) < block + 2:
        raise SystemExit(f"{args.data}: {len(ids)} tokens leave too little held-out text for {block}-token windows")

    before = held_out_loss(model, val, block, args.batch, args.eval_batches, args.seed + 7, device, world)
    log(f"{world} processes ({backend}, {args.strategy}, {device.type}); {sum(p.numel() for p in model.parameters())} parameters; "
        f"{len(train)} training tokens; held-out loss before: {before:.4f}")

    model = wrap(model, args.strategy, device)
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.99))
    warmup = max(1, args.steps // 10)

    def lr_at(step):
        if step <= warmup:
            return args.lr * step / warmup
        progress = (step - warmup) / max(1, args.steps - warmup)
        return args.lr / 10 + 0.5 * (args.lr - args.lr / 10) * (1 + math.cos(math.pi * progress))

    g = torch.Generator().manual_seed(args.seed * 1000 + rank)  # each process draws its own batches
    t0 = time.time()
    for step in range(1, args.steps + 1):
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        x, y = windows(train, block, args.batch, g)
        _, loss = model(x.to(device), y.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()  # DDP / FSDP average the gradients across processes here
        if args.grad_clip > 0:
            if args.strategy == "fsdp":
                model.clip_grad_norm_(args.grad_clip)
            else:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        if step % args.log_every == 0 or step == args.steps:
            log(f"step {step}/{args.steps}: loss {loss.item():.4f} (rank 0's batch), lr {lr_at(step):.2e}, {time.time() - t0:.1f} s")

    state = full_state_dict(model, args.strategy)
    after = held_out_loss(model, val, block, args.batch, args.eval_batches, args.seed + 7, device, world)
    log(f"held-out loss after {args.steps} steps: {after:.4f} (before: {before:.4f})")
    if rank == 0:
        save_directory(args.out, state, args.checkpoint, raw)
        log(f"wrote {os.path.abspath(args.out)}: load it with `attn inspect {args.out} --prompt ...`")
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
