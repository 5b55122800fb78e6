"""attn's checkpoint directory (= Hugging Face's GPT-2 layout), read and written with the standard library.

  config.json                       GPT2Config keys (+ attn's "attn" section, kept as is)
  model.safetensors                 weights; or model.safetensors.index.json + shards when reading
  vocab.json, merges.txt, ...       the tokenizer files, copied unchanged

The safetensors format is small enough to write here, so this needs neither the
`safetensors` nor the `transformers` package: 8 bytes of header length (u64 little-endian),
the header JSON {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, then the tensors'
bytes back to back. Tensors are read one at a time with positioned reads (no whole-file buffer).
"""
import json
import os
import shutil
import struct
import tempfile

import torch

DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2), "BOOL": (torch.bool, 1)}
# Files that travel with the weights (whichever the directory has).
TOKENIZER_FILES = ["vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "attn-tokenizer.json"]
OTHER_FILES = ["generation_config.json"]
# Hugging Face's causal-mask buffers: not parameters.
BUFFER_SUFFIXES = (".attn.bias", ".attn.masked_bias")


def read_config(directory):
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        return json.load(f)


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    return header.pop("__metadata__", None) or {}, header, 8 + n


def read_safetensors(path):
    """{name: float32 tensor} for every F32/F16/BF16 tensor of one file, read tensor by tensor."""
    _, header, start = read_header(path)
    out = {}
    with open(path, "rb") as f:
        for name, entry in header.items():
            if entry["dtype"] not in DTYPES:
                raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, not a float dtype")
            begin, end = entry["data_offsets"]
            f.seek(start + begin)
            raw = bytearray(f.read(end - begin))
            dtype = DTYPES[entry["dtype"]][0]
            if dtype == torch.bfloat16:
                t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) if raw else torch.empty(0, dtype=dtype)
            else:
                t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
            out[name] = t.reshape(entry["shape"]).float() if dtype != torch.bool else t.reshape(entry["shape"])
    return out


def read_weights(directory):
    """The model's parameters by their transformer.* names: model.safetensors or its shards; buffers and the tied lm_head left out."""
    single = os.path.join(directory, "model.safetensors")
    if os.path.isfile(single):
        files = [single]
    else:
        with open(os.path.join(directory, "model.safetensors.index.json"), encoding="utf-8") as f:
            files = [os.path.join(directory, s) for s in dict.fromkeys(json.load(f)["weight_map"].values())]
    tensors = {}
    for path in files:
        tensors.update(read_safetensors(path))
    weights = {}
    for name, t in tensors.items():
        if name.endswith(BUFFER_SUFFIXES) or name == "lm_head.weight":
            continue
        weights[name if name.startswith("transformer.") else f"transformer.{name}"] = t
    return weights


def load_into(model, directory):
    """Copies the directory's weights into `model`; every parameter must be there with its shape."""
    weights = read_weights(directory)
    own = dict(model.named_parameters())
    missing = sorted(set(own) - set(weights))
    unexpected = sorted(set(weights) - set(own))
    if missing or unexpected:
        raise ValueError(f"{directory}: missing tensors {missing[:5]}, unexpected tensors {unexpected[:5]}")
    with torch.no_grad():
        for name, p in own.items():
            if tuple(weights[name].shape) != tuple(p.shape):
                raise ValueError(f"{directory}: {name} has shape {list(weights[name].shape)}, config.json implies {list(p.shape)}")
            p.copy_(weights[name])


def write_safetensors(path, tensors, metadata):
    """F32 tensors in name order, header padded with spaces to a multiple of 8 (as the reference writer)."""
    header = {"__metadata__": metadata}
    offset = 0
    names = sorted(tensors)
    for name in names:
        t = tensors[name]
        size = t.numel() * 4
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in names:
            array = tensors[name].detach().to("cpu", torch.float32).contiguous().numpy()
            f.write(array.astype("<f4", copy=False).tobytes())
        f.flush()
        os.fsync(f.fileno())


def check_out_dir(out, force):
    """Refuses an existing non-empty output directory (unless force) before any training."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise SystemExit(f"--out {out}: exists and is a file")
    if os.path.isdir(out) and os.listdir(out) and not force:
        raise SystemExit(f"--out {out}: exists and is not empty; pass --force to replace it")


def save_directory(out, state_dict, source_dir, config):
    """Writes `out` in the same layout: config.json, model.safetensors (F32, no lm_head), the tokenizer
    files copied from `source_dir`. Staged in a temporary directory beside `out`, then renamed into place."""
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary directory
    try:
        params = {n: t for n, t in state_dict.items() if n.startswith("transformer.") and not n.endswith(BUFFER_SUFFIXES)}
        write_safetensors(os.path.join(staging, "model.safetensors"), params, {"format": "pt"})
        config = dict(config, torch_dtype="float32")
        with open(os.path.join(staging, "config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        for name in TOKENIZER_FILES + OTHER_FILES:
            if os.path.isfile(os.path.join(source_dir, name)):
                shutil.copyfile(os.path.join(source_dir, name), os.path.join(staging, name))
        if os.path.isdir(out):
            old = staging + ".old"
            os.rename(out, old)
            os.rename(staging, out)
            shutil.rmtree(old)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
