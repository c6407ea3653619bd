#!/usr/bin/env python3
"""The PyTorch side of `npm run bench`: the five workloads of workloads.json, built layer for layer
as tfjs-workloads.mts builds them, timed the same way (one training step = zero_grad, forward,
backward, optimizer step, reading the loss; median and p90 of --steps steps after --warmup).

One workload per process (so ru_maxrss is that workload's peak). run.mjs starts it right after the
tfjs runs of the same workload; by hand:

    /usr/bin/python3 tools/bench/torch_bench.py --workload 1 --warmup 1 --steps 2 --quick

Needs torch (Debian: apt-get install python3-torch libopenblas0-openmp) and numpy. Prints one JSON
object (to --out, or stdout), with "params" the trainable parameter count to compare with tfjs.
"""

import argparse
import json
import math
import os
import resource
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def rss_mb():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def build(spec, batch, torch, nn, F):
    """Returns (modules, loss_fn, optimizer, sample_unit, impl)."""

    # ------------------------------------------------------------------ shared pieces

    def optimizer_for(spec, module):
        o = spec["optimizer"]
        if o["kind"] == "sgd":
            return torch.optim.SGD(
                [p for p in module.parameters() if p.requires_grad],
                lr=o["lr"],
                momentum=o["momentum"],
                weight_decay=o["weightDecay"],
            )
        # As selfsup's AdamW default: no weight decay on rank <= 1 tensors (biases, norms).
        params = [p for p in module.parameters() if p.requires_grad]
        groups = [
            {"params": [p for p in params if p.ndim > 1], "weight_decay": o["weightDecay"]},
            {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(groups, lr=o["lr"], betas=tuple(o["betas"]), eps=o["eps"])

    class BNGammaOnly(nn.Module):
        """BatchNorm1d with gamma and no beta (SimCLR's last projector BN, `center: false`)."""

        def __init__(self, dim):
            super().__init__()
            self.bn = nn.BatchNorm1d(dim, affine=False)
            self.weight = nn.Parameter(torch.ones(dim))

        def forward(self, x):
            return self.bn(x) * self.weight

    class Attention(nn.Module):
        def __init__(self, dim, heads):
            super().__init__()
            self.heads = heads
            self.scale = (dim // heads) ** -0.5
            self.qkv = nn.Linear(dim, dim * 3, bias=True)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x):
            b, n, c = x.shape
            qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
            return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))

    class Block(nn.Module):
        """Pre-LN transformer block (timm's ViT Block; selfsup's TransformerBlock)."""

        def __init__(self, dim, heads, mlp_ratio, eps):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim, eps=eps)
            self.attn = Attention(dim, heads)
            self.norm2 = nn.LayerNorm(dim, eps=eps)
            hidden = int(round(dim * mlp_ratio))
            self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))

    def sincos_2d(dim, grid, cls_token):
        """MAE's get_2d_sincos_pos_embed, [1, (1+) grid*grid, dim]."""
        import numpy as np

        def one_d(d, pos):
            omega = 1.0 / 10000 ** (np.arange(d // 2, dtype=np.float64) / (d / 2.0))
            out = np.einsum("m,d->md", pos.reshape(-1), omega)
            return np.concatenate([np.sin(out), np.cos(out)], axis=1)

        gh, gw = np.meshgrid(np.arange(grid, dtype=np.float32), np.arange(grid, dtype=np.float32))
        emb = np.concatenate([one_d(dim // 2, gw), one_d(dim // 2, gh)], axis=1)
        if cls_token:
            emb = np.concatenate([np.zeros([1, dim]), emb], axis=0)
        return torch.tensor(emb, dtype=torch.float32)[None]

    key = spec["key"]

    # ------------------------------------------------------------------ 1, 2: SimCLR

    if key in ("simclr-convnet", "simclr-resnet18"):
        h, w, c = spec["image"]
        widths = spec["widths"]

        def conv_bn(cin, cout, k, stride, pad):
            return [nn.Conv2d(cin, cout, k, stride, pad, bias=False), nn.BatchNorm2d(cout)]

        if key == "simclr-convnet":
            layers, cin = [], c
            for i, width in enumerate(widths):
                layers += conv_bn(cin, width, 3, 1, 1) + [nn.ReLU(inplace=True)]
                if i < len(widths) - 1:  # no pool after the last block (smallConvNet's default)
                    layers.append(nn.MaxPool2d(2, 2))
                cin = width
            encoder = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        else:

            class BasicBlock(nn.Module):
                def __init__(self, cin, cout, stride):
                    super().__init__()
                    self.conv1, self.bn1 = conv_bn(cin, cout, 3, stride, 1)
                    self.conv2, self.bn2 = conv_bn(cout, cout, 3, 1, 1)
                    self.down = None
                    if stride != 1 or cin != cout:
                        self.down = nn.Sequential(*conv_bn(cin, cout, 1, stride, 0))

                def forward(self, x):
                    y = F.relu(self.bn1(self.conv1(x)), inplace=True)
                    y = self.bn2(self.conv2(y))
                    return F.relu(y + (x if self.down is None else self.down(x)), inplace=True)

            # torchvision resnet18 with the CIFAR stem (3x3 stride-1 conv, no max-pool).
            layers = conv_bn(c, widths[0], 3, 1, 1) + [nn.ReLU(inplace=True)]
            cin = widths[0]
            for s, width in enumerate(widths):
                for b in range(2):
                    layers.append(BasicBlock(cin, width, 2 if s > 0 and b == 0 else 1))
                    cin = width
            encoder = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())

        p_in, p_hidden, p_out = spec["projection"]
        projector = nn.Sequential(
            nn.Linear(p_in, p_hidden, bias=False),
            nn.BatchNorm1d(p_hidden),
            nn.ReLU(inplace=True),
            nn.Linear(p_hidden, p_out, bias=False),
            BNGammaOnly(p_out),
        )
        model = nn.Sequential(encoder, projector)
        views = torch.rand(2 * batch, c, h, w)  # both views, as one batch of 2N
        t = spec["temperature"]
        targets = torch.cat([torch.arange(batch, 2 * batch), torch.arange(0, batch)])
        eye = torch.eye(2 * batch, dtype=torch.bool)

        def loss_fn():
            z = F.normalize(model(views), dim=1)
            sim = (z @ z.t()) / t
            return F.cross_entropy(sim.masked_fill(eye, -1e9), targets)

        return model, loss_fn, optimizer_for(spec, model), "images (2 views each)", "nn modules + NT-Xent"

    # ------------------------------------------------------------------ 3: MAE

    if key == "mae-vit":
        size, _, chans = spec["image"]
        p, dim, dec = spec["patch"], spec["dim"], spec["decoderDim"]
        eps, ratio = spec["layerNormEps"], spec["maskRatio"]
        grid = size // p
        n = grid * grid
        keep = int(n * (1 - ratio))

        class MAE(nn.Module):
            """facebookresearch/mae models_mae.py MaskedAutoencoderViT at these sizes."""

            def __init__(self):
                super().__init__()
                self.patch_embed = nn.Conv2d(chans, dim, p, p)
                self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
                self.register_buffer("pos_embed", sincos_2d(dim, grid, True))
                mr = spec["mlpRatio"]
                self.blocks = nn.ModuleList(
                    [Block(dim, spec["heads"], mr, eps) for _ in range(spec["depth"])]
                )
                self.norm = nn.LayerNorm(dim, eps=eps)
                self.decoder_embed = nn.Linear(dim, dec)
                self.mask_token = nn.Parameter(torch.zeros(1, 1, dec))
                self.register_buffer("decoder_pos_embed", sincos_2d(dec, grid, True))
                self.decoder_blocks = nn.ModuleList(
                    [Block(dec, spec["decoderHeads"], mr, eps) for _ in range(spec["decoderDepth"])]
                )
                self.decoder_norm = nn.LayerNorm(dec, eps=eps)
                self.decoder_pred = nn.Linear(dec, p * p * chans)
                nn.init.normal_(self.cls_token, std=0.02)
                nn.init.normal_(self.mask_token, std=0.02)

            def forward(self, imgs):
                b = imgs.shape[0]
                x = self.patch_embed(imgs).flatten(2).transpose(1, 2) + self.pos_embed[:, 1:]
                noise = torch.rand(b, n)
                ids_shuffle = torch.argsort(noise, dim=1)
                ids_restore = torch.argsort(ids_shuffle, dim=1)
                ids_keep = ids_shuffle[:, :keep]
                x = torch.gather(x, 1, ids_keep.unsqueeze(-1).expand(-1, -1, dim))
                mask = torch.ones(b, n)
                mask[:, :keep] = 0
                mask = torch.gather(mask, 1, ids_restore)
                cls = (self.cls_token + self.pos_embed[:, :1]).expand(b, -1, -1)
                x = torch.cat([cls, x], dim=1)
                for blk in self.blocks:
                    x = blk(x)
                x = self.decoder_embed(self.norm(x))
                mask_tokens = self.mask_token.expand(b, n - keep, -1)
                x_ = torch.cat([x[:, 1:], mask_tokens], dim=1)
                x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).expand(-1, -1, dec))
                x = torch.cat([x[:, :1], x_], dim=1) + self.decoder_pos_embed
                for blk in self.decoder_blocks:
                    x = blk(x)
                pred = self.decoder_pred(self.decoder_norm(x))[:, 1:]
                # patchify (nhwpqc order)
                target = imgs.reshape(b, chans, grid, p, grid, p)
                target = torch.einsum("nchpwq->nhwpqc", target).reshape(b, n, p * p * chans)
                loss = ((pred - target) ** 2).mean(dim=-1)
                return (loss * mask).sum() / mask.sum()

        model = MAE()
        images = torch.rand(batch, chans, size, size)
        return (
            model,
            lambda: model(images),
            optimizer_for(spec, model),
            "images",
            "MaskedAutoencoderViT (models_mae.py) at these sizes",
        )

    # ------------------------------------------------------------------ 4: BERT-tiny MLM

    if key == "bert-tiny-mlm":
        seq, vocab, dim, eps = spec["seqLen"], spec["vocab"], spec["dim"], spec["layerNormEps"]
        special = spec["specialIds"]

        class BertMLM(nn.Module):
            def __init__(self):
                super().__init__()
                self.word = nn.Embedding(vocab, dim)
                self.pos = nn.Embedding(seq, dim)
                self.token_type = nn.Embedding(spec["typeVocab"], dim)
                self.emb_norm = nn.LayerNorm(dim, eps=eps)
                self.blocks = nn.ModuleList(
                    [
                        Block(dim, spec["heads"], spec["mlpRatio"], eps)
                        for _ in range(spec["depth"])
                    ]
                )
                self.norm = nn.LayerNorm(dim, eps=eps)
                self.transform = nn.Linear(dim, dim)
                self.head_norm = nn.LayerNorm(dim, eps=eps)
                self.decoder_bias = nn.Parameter(torch.zeros(vocab))
                for emb in (self.word, self.pos, self.token_type):
                    nn.init.normal_(emb.weight, std=0.02)

            def forward(self, ids, token_types):
                x = self.word(ids) + self.token_type(token_types) + self.pos.weight[None]
                x = self.emb_norm(x)
                for blk in self.blocks:
                    x = blk(x)
                h = self.head_norm(F.gelu(self.transform(self.norm(x))))
                return F.linear(h, self.word.weight, self.decoder_bias)  # tied decoder

        model = BertMLM()
        ids = torch.randint(len(special), vocab, (batch, seq))
        ids[:, 0], ids[:, -1] = 2, 3  # [CLS] ... [SEP]
        token_types = torch.zeros(batch, seq, dtype=torch.long)
        is_special = torch.zeros(batch, seq, dtype=torch.bool)
        for s in special:
            is_special |= ids == s

        def loss_fn():
            # transformers' DataCollatorForLanguageModeling.torch_mask_tokens
            inputs, labels = ids.clone(), ids.clone()
            prob = torch.full(labels.shape, spec["mlmProbability"]).masked_fill(is_special, 0.0)
            masked = torch.bernoulli(prob).bool()
            labels[~masked] = -100
            replaced = torch.bernoulli(torch.full(labels.shape, 0.8)).bool() & masked
            inputs[replaced] = spec["maskId"]
            rand = torch.bernoulli(torch.full(labels.shape, 0.5)).bool() & masked & ~replaced
            inputs[rand] = torch.randint(vocab, labels.shape)[rand]
            logits = model(inputs, token_types)
            return F.cross_entropy(logits.view(-1, vocab), labels.view(-1), ignore_index=-100)

        return (
            model,
            loss_fn,
            optimizer_for(spec, model),
            "sequences of %d tokens" % seq,
            "pre-LN encoder + tied MLM head, HF masking",
        )

    # ------------------------------------------------------------------ 5: wav2vec 2.0-style

    if key == "wav2vec2":
        samples, ch, dim, eps = spec["samples"], spec["convChannels"], spec["dim"], spec["layerNormEps"]
        m, k_neg, temp = spec["maskedSteps"], spec["numNegatives"], spec["temperature"]
        frames = samples
        for k, s in zip(spec["kernels"], spec["strides"]):
            frames = (frames - k) // s + 1

        class Wav2Vec2(nn.Module):
            """fairseq Wav2Vec2Model, extractor_mode layer_norm, unquantized targets, no pos_conv."""

            def __init__(self):
                super().__init__()
                self.convs = nn.ModuleList()
                self.conv_norms = nn.ModuleList()
                cin = 1
                for k, s in zip(spec["kernels"], spec["strides"]):
                    conv = nn.Conv1d(cin, ch, k, s, bias=False)
                    nn.init.kaiming_normal_(conv.weight)
                    self.convs.append(conv)
                    self.conv_norms.append(nn.LayerNorm(ch, eps=eps))
                    cin = ch
                self.layer_norm = nn.LayerNorm(dim, eps=eps)
                self.mask_emb = nn.Parameter(torch.empty(dim).uniform_())
                self.blocks = nn.ModuleList(
                    [
                        Block(dim, spec["heads"], spec["mlpRatio"], eps)
                        for _ in range(spec["depth"])
                    ]
                )
                self.norm = nn.LayerNorm(dim, eps=eps)
                self.final_proj = nn.Linear(dim, dim)
                self.project_q = nn.Linear(dim, dim)

            def forward(self, wave):
                b = wave.shape[0]
                x = wave.unsqueeze(1)
                for conv, norm in zip(self.convs, self.conv_norms):
                    x = F.gelu(norm(conv(x).transpose(1, 2)).transpose(1, 2))
                features = self.layer_norm(x.transpose(1, 2))  # [B, T, D]
                # m random frames per utterance (a fixed count, as tfjs-workloads.mts)
                chosen = torch.rand(b, frames).argsort(dim=1)[:, :m]
                mask = torch.zeros(b, frames, dtype=torch.bool).scatter_(1, chosen, True)
                x = torch.where(mask.unsqueeze(-1), self.mask_emb.to(features.dtype), features)
                for blk in self.blocks:
                    x = blk(x)
                x = self.final_proj(self.norm(x)[mask].view(b, m, dim))
                y = self.project_q(features[mask].view(b, m, dim))
                # fairseq sample_negatives (cross_sample_negatives = 0)
                tszs = torch.arange(m).unsqueeze(-1).expand(-1, k_neg).flatten()
                neg = torch.randint(0, m - 1, (b, k_neg * m))
                neg[neg >= tszs] += 1
                neg = neg + (torch.arange(b) * m).unsqueeze(1)
                negs = y.reshape(-1, dim)[neg.view(-1)].view(b, m, k_neg, dim).permute(2, 0, 1, 3)
                # fairseq compute_preds + the wav2vec criterion
                neg_is_pos = (y == negs).all(-1)
                targets = torch.cat([y.unsqueeze(0), negs], dim=0)
                logits = torch.cosine_similarity(x.float(), targets.float(), dim=-1) / temp
                if neg_is_pos.any():
                    logits[1:][neg_is_pos] = float("-inf")
                logits = logits.transpose(0, 2).reshape(-1, k_neg + 1)
                return F.cross_entropy(logits, torch.zeros(logits.shape[0], dtype=torch.long))

        model = Wav2Vec2()
        wave = torch.randn(batch, samples)
        return (
            model,
            lambda: model(wave),
            optimizer_for(spec, model),
            "utterances of %d samples" % samples,
            "fairseq-style Wav2Vec2Model (layer_norm extractor, no pos_conv, unquantized)",
        )

    raise SystemExit("torch_bench.py: no builder for workload '%s'" % key)


def percentile(sorted_values, p):
    i = min(len(sorted_values) - 1, max(0, math.ceil(p * len(sorted_values)) - 1))
    return sorted_values[i]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workload", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--batch", type=int, help="override the batch of workloads.json")
    ap.add_argument("--out")
    args = ap.parse_args()

    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(1234)
    with open(os.path.join(HERE, "workloads.json")) as f:
        specs = {w["id"]: w for w in json.load(f)["workloads"]}
    if args.workload not in specs:
        raise SystemExit("torch_bench.py: --workload must be one of %s" % sorted(specs))
    spec = specs[args.workload]
    batch = args.batch or (spec["quickBatch"] if args.quick else spec["batch"])
    start_rss = rss_mb()
    t0 = time.perf_counter()
    model, loss_fn, optimizer, sample_unit, impl = build(spec, batch, torch, nn, F)
    model.train()
    build_ms = (time.perf_counter() - t0) * 1000

    losses = []

    def step():
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        return (time.perf_counter() - start) * 1000

    warmup_ms = [step() for _ in range(args.warmup)]
    load1 = os.getloadavg()[0]
    step_ms = [step() for _ in range(args.steps)]
    load2 = os.getloadavg()[0]
    s = sorted(step_ms)
    median = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))
    blas = "unknown"
    for part in torch.__config__.show().replace("\n", ",").split(","):
        if "BLAS_INFO" in part:
            blas = part.split("=")[-1].strip()
    return {
        "side": "torch",
        "workload": spec["id"],
        "key": spec["key"],
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "blas": blas,
        "mkldnn": torch.backends.mkldnn.is_available(),
        "quick": args.quick,
        "batch": batch,
        "sampleUnit": sample_unit,
        "impl": impl,
        "params": trainable,
        "nonTrainable": frozen + buffers,
        "warmup": args.warmup,
        "steps": args.steps,
        "buildMs": round(build_ms),
        "warmupMs": [round(x, 1) for x in warmup_ms],
        "stepMs": [round(x, 1) for x in step_ms],
        "stepMsMedian": round(median, 1),
        "stepMsP90": round(percentile(s, 0.9), 1),
        "samplesPerSec": float("%.4g" % (batch * 1000 / median)),
        "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "startRssMB": start_rss,
        "lossFirst": round(losses[0], 4),
        "lossLast": round(losses[-1], 4),
        "loadAvg1m": [round(load1, 2), round(load2, 2)],
    }


if __name__ == "__main__":
    out = None
    try:
        result = main()
    except SystemExit:
        raise
    except BaseException:
        result = {"side": "torch", "status": "failed", "error": traceback.format_exc(limit=6)}
    text = json.dumps(result, indent=2)
    for i, a in enumerate(sys.argv):
        if a == "--out" and i + 1 < len(sys.argv):
            out = sys.argv[i + 1]
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    sys.exit(1 if result.get("status") == "failed" else 0)
