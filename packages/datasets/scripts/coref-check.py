# Sanity check of the coref language design, outside the test suite (needs PyTorch):
# train a 2-layer, 4-head, 64-wide GPT for 150 s on CPU, then report next-word accuracy at
# "it" on held-out noun pairs and, per head, how often attention from "it" peaks on the referent.
import json, math, sys, time, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0); torch.set_num_threads(1)
D = json.load(open(sys.argv[1]))
V = D['vocab']; T = max(len(e['ids']) for e in D['train'] + D['heldout'])
def pack(es):
    x = torch.zeros(len(es), T, dtype=torch.long)
    for i, e in enumerate(es): x[i, :len(e['ids'])] = torch.tensor(e['ids'])
    return x
Xtr, Xho = pack(D['train']), pack(D['heldout'])
C, H, L = 64, 4, 2
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln1 = nn.LayerNorm(C); s.qkv = nn.Linear(C, 3*C); s.proj = nn.Linear(C, C); s.ln2 = nn.LayerNorm(C)
        s.mlp = nn.Sequential(nn.Linear(C, 4*C), nn.GELU(), nn.Linear(4*C, C))
    def forward(s, x):
        B, t, _ = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(C, 2)
        q, k, v = [z.view(B, t, H, C//H).transpose(1, 2) for z in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C//H)
        att = att.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), float('-inf')).softmax(-1)
        s.att = att.detach()
        x = x + s.proj((att @ v).transpose(1, 2).reshape(B, t, C))
        return x + s.mlp(s.ln2(x))
class GPT(nn.Module):
    def __init__(s):
        super().__init__(); s.tok = nn.Embedding(V, C); s.pos = nn.Embedding(T, C); s.blocks = nn.ModuleList([Block() for _ in range(L)]); s.ln = nn.LayerNorm(C); s.head = nn.Linear(C, V)
    def forward(s, x):
        h = s.tok(x) + s.pos(torch.arange(x.shape[1]))
        for b in s.blocks: h = b(h)
        return s.head(s.ln(h))
m = GPT(); opt = torch.optim.AdamW(m.parameters(), 3e-3)
t0 = time.time(); step = 0
while time.time() - t0 < 150:
    xb = Xtr[torch.randint(0, len(Xtr), (64,))]
    logits = m(xb[:, :-1]); tgt = xb[:, 1:].clone(); tgt[tgt == 0] = -100
    loss = F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1), ignore_index=-100)
    opt.zero_grad(); loss.backward(); opt.step(); step += 1
print('steps', step, 'loss', loss.item())
m.eval()
with torch.no_grad():
    logits = m(Xho)
    it = torch.tensor([e['it'] for e in D['heldout']]); ref = torch.tensor([e['ref'] for e in D['heldout']]); dis = torch.tensor([e['dis'] for e in D['heldout']])
    idx = torch.arange(len(it))
    acc = (logits[idx, it].argmax(-1) == Xho[idx, it + 1]).float().mean().item()
    print('heldout next-word accuracy at it:', round(acc, 3))
    for l, b in enumerate(m.blocks):
        for h in range(H):
            a = b.att[idx, h, it]  # (N, T) attention from "it"
            peak = (a.argmax(-1) == ref).float().mean().item()
            more = (a[idx, ref] > a[idx, dis]).float().mean().item()
            print(f'layer {l + 1} head {h + 1}: argmax on referent {peak:.3f}, referent > distractor {more:.3f}')
