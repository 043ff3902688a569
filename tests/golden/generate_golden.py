#!/usr/bin/python3
"""Generates tests/golden/golden_data.txt: PyTorch's adaptive pooling results
that apool's golden tests replay.

Run with the Python that has PyTorch (Debian: /usr/bin/python3, torch 1.13):

    /usr/bin/python3 tests/golden/generate_golden.py

The output is deterministic (fixed seeds, one torch thread), so running the
script again reproduces the committed file byte for byte.

File format (plain text, whitespace-separated tokens; line breaks carry no
meaning):

    apool_golden 1
    cases <count>
    then <count> cases, each:
      case <name> <spatial: 1|2|3> <float32|float64> <rank>
           <rank input extents> <rank output extents>
      input          <input count values>
      grad_output    <output count values>
      avg_output     <output count values>   torch adaptive_avg_pool{S}d(input)
      avg_grad_input <input count values>    input.grad after avg_output.backward(grad_output)
      max_output     <output count values>   torch adaptive_max_pool{S}d(input)
      max_indices    <output count decimal integers>
      max_grad_input <input count values>    input.grad after max_output.backward(grad_output)

Values are the exact bits of the IEEE number in lowercase hexadecimal, 8 digits
for float32 and 16 for float64, so NaN payloads, signed zeros and infinities
survive. Every array is row-major over the case's logical extents. The last
<spatial> dims are spatial; the leading dims (zero or more) index planes, which
torch sees flattened into one channel dim of a batch of one.
"""

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

FORMAT_VERSION = 1
OUTPUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_data.txt")

DTYPES = {"float32": (np.float32, np.uint32, 8), "float64": (np.float64, np.uint64, 16)}

# NaN bit patterns with distinct payloads and signs, quiet and signaling, so a
# replay can tell which NaN of a window a maximum reported.
NAN_BITS = {
    "float32": [0x7FC00001, 0xFFC00002, 0x7FC0ABCD, 0x7F800005, 0xFFA00007, 0x7FFFFFFF],
    "float64": [0x7FF8000000000001, 0xFFF8000000000002, 0x7FF80000DEADBEEF, 0x7FF0000000000005,
                0xFFF4000000000007, 0x7FFFFFFFFFFFFFFF],
}


def with_bits(dtype_name, bits):
    float_type, int_type, _ = DTYPES[dtype_name]
    return np.array([bits], dtype=int_type).view(float_type)[0]


def make_input(kind, shape, dtype_name, rng):
    """Input values of one kind; every kind is a deterministic function of rng."""
    float_type = DTYPES[dtype_name][0]
    count = int(np.prod(shape))
    if kind == "random":
        values = rng.standard_normal(count)
    elif kind == "ties":
        # Few distinct integers: most windows hold several equal maxima.
        values = rng.integers(-1, 2, count).astype(np.float64)
    elif kind == "special":
        values = rng.standard_normal(count)
        pick = rng.random(count)
        values[pick < 0.08] = np.inf
        values[(pick >= 0.08) & (pick < 0.16)] = -np.inf
        values = values.astype(float_type)
        nan_positions = np.flatnonzero((pick >= 0.16) & (pick < 0.30))
        nans = NAN_BITS[dtype_name]
        for k, position in enumerate(nan_positions):
            values[position] = with_bits(dtype_name, nans[k % len(nans)])
        return values.reshape(shape)
    elif kind == "negative_infinity":
        # Mostly -inf, so many windows hold nothing else; a few finite values
        # and a few -0.0 / +0.0 pairs (equal under >, so the first must win).
        values = np.full(count, -np.inf)
        pick = rng.random(count)
        finite = pick < 0.12
        values[finite] = rng.standard_normal(int(finite.sum()))
        values[(pick >= 0.12) & (pick < 0.18)] = -0.0
        values[(pick >= 0.18) & (pick < 0.24)] = 0.0
    else:
        raise ValueError(kind)
    return values.astype(float_type).reshape(shape)


POOLS = {
    1: (F.adaptive_avg_pool1d, F.adaptive_max_pool1d),
    2: (F.adaptive_avg_pool2d, F.adaptive_max_pool2d),
    3: (F.adaptive_avg_pool3d, F.adaptive_max_pool3d),
}


def run_torch(spatial, x, out_spatial, grad_output):
    """Forward and autograd backward for avg and max on a contiguous tensor."""
    leading = x.shape[: x.ndim - spatial]
    planes = int(np.prod(leading)) if leading else 1
    torch_shape = (1, planes) + x.shape[x.ndim - spatial:]
    torch_out_shape = (1, planes) + tuple(out_spatial)
    avg_pool, max_pool = POOLS[spatial]
    results = {}

    source = torch.from_numpy(x.copy()).reshape(torch_shape).requires_grad_(True)
    out = avg_pool(source, tuple(out_spatial))
    out.backward(torch.from_numpy(grad_output.copy()).reshape(torch_out_shape))
    results["avg_output"] = out.detach().numpy().reshape(leading + tuple(out_spatial))
    results["avg_grad_input"] = source.grad.numpy().reshape(x.shape)

    source = torch.from_numpy(x.copy()).reshape(torch_shape).requires_grad_(True)
    out, indices = max_pool(source, tuple(out_spatial), return_indices=True)
    out.backward(torch.from_numpy(grad_output.copy()).reshape(torch_out_shape))
    results["max_output"] = out.detach().numpy().reshape(leading + tuple(out_spatial))
    results["max_indices"] = indices.numpy().reshape(leading + tuple(out_spatial))
    results["max_grad_input"] = source.grad.numpy().reshape(x.shape)
    return results


# (name, input spatial extents, output spatial extents) for each spatial rank.
SHAPES = {
    1: [("non_divisible", (13,), (5,)), ("output_larger", (4,), (9,)), ("output_equal", (7,), (7,)),
        ("global", (11,), (1,)), ("primes", (23,), (7,)), ("single_input", (1,), (3,)),
        ("mixed_sizes", (10,), (3,))],
    2: [("non_divisible", (7, 10), (3, 4)), ("output_larger", (3, 5), (7, 8)), ("output_equal", (6, 5), (6, 5)),
        ("global", (9, 11), (1, 1)), ("primes", (7, 11), (5, 3)), ("one_up_one_down", (8, 3), (3, 5)),
        ("single_row", (1, 9), (2, 4))],
    3: [("non_divisible", (5, 4, 6), (3, 3, 4)), ("output_larger", (2, 3, 3), (3, 5, 4)),
        ("output_equal", (3, 2, 4), (3, 2, 4)), ("global", (4, 5, 3), (1, 1, 1)),
        ("primes", (3, 5, 7), (2, 3, 5)), ("mixed", (4, 2, 6), (3, 5, 2))],
}

KINDS = ["random", "ties", "special", "negative_infinity"]

# Leading dims of the batched cases, per spatial rank; one or two leading dims.
BATCHES = {1: [(2, 3), (4,)], 2: [(2, 2), (3,)], 3: [(1, 2), (2,)]}

# Rows longer than APOOL_ROW_BUFFER_ELEMENTS (1024): with a 1 x 1 output the
# row kernel meets a window wider than its buffer whenever a replay layout
# keeps the plane off the single-span path. float32 only, to keep the file
# small; the randomized tests cover long rows more widely.
LONG_ROWS = [(2, "long_rows_wide_window", (), (2, 1030), (1, 1))]


def cases():
    """Yields (name, spatial, dtype, leading extents, input spatial, output spatial, kind)."""
    for spatial in (1, 2, 3):
        for dtype_name in DTYPES:
            for shape_number, (shape_name, in_spatial, out_spatial) in enumerate(SHAPES[spatial]):
                for kind_number, kind in enumerate(KINDS):
                    # float32: every shape with every kind; float64 (the same
                    # kernels with other lane counts) every shape with half of
                    # them, in turn, to keep the file small.
                    if dtype_name == "float64" and (shape_number + kind_number) % 4 >= 2:
                        continue
                    # Alternating unbatched and batched, so both appear for
                    # each shape and each kind.
                    if (shape_number + kind_number) % 2 == 0:
                        leading = ()
                    else:
                        batches = BATCHES[spatial]
                        leading = batches[(shape_number // 2 + kind_number) % len(batches)]
                    yield (f"{spatial}d_{dtype_name}_{shape_name}_{kind}", spatial, dtype_name, leading, in_spatial,
                           out_spatial, kind)
    for spatial, name, leading, in_spatial, out_spatial in LONG_ROWS:
        yield (f"{spatial}d_float32_{name}_random", spatial, "float32", leading, in_spatial, out_spatial, "random")
    # Three leading dims: apool allows any number.
    yield ("2d_float64_three_leading_dims_special", 2, "float64", (2, 1, 3), (5, 6), (4, 4), "special")


def hex_words(values, dtype_name):
    _, int_type, digits = DTYPES[dtype_name]
    bits = np.ascontiguousarray(values).reshape(-1).view(int_type)
    return " ".join(format(int(b), f"0{digits}x") for b in bits)


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    blocks = []
    all_cases = list(cases())
    for case_number, (name, spatial, dtype_name, leading, in_spatial, out_spatial, kind) in enumerate(all_cases):
        rng = np.random.default_rng(1000 + case_number)
        float_type = DTYPES[dtype_name][0]
        x = make_input(kind, tuple(leading) + tuple(in_spatial), dtype_name, rng)
        grad_output = rng.standard_normal(tuple(leading) + tuple(out_spatial)).astype(float_type)
        results = run_torch(spatial, x, out_spatial, grad_output)
        rank = len(leading) + spatial
        header = ["case", name, str(spatial), dtype_name, str(rank)]
        header += [str(e) for e in tuple(leading) + tuple(in_spatial)]
        header += [str(e) for e in tuple(leading) + tuple(out_spatial)]
        lines = [" ".join(header), "input " + hex_words(x, dtype_name), "grad_output " + hex_words(grad_output, dtype_name)]
        for label in ("avg_output", "avg_grad_input", "max_output"):
            lines.append(label + " " + hex_words(results[label].astype(float_type), dtype_name))
        lines.append("max_indices " + " ".join(str(int(i)) for i in results["max_indices"].reshape(-1)))
        lines.append("max_grad_input " + hex_words(results["max_grad_input"].astype(float_type), dtype_name))
        blocks.append("\n".join(lines))
    text = f"apool_golden {FORMAT_VERSION}\ncases {len(all_cases)}\n" + "\n".join(blocks) + "\n"
    with open(OUTPUT_PATH, "w", encoding="ascii") as out:
        out.write(text)
    print(f"wrote {len(all_cases)} cases, {len(text)} bytes, to {OUTPUT_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
