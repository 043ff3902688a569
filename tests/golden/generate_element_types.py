#!/usr/bin/python3
"""Generates tests/golden/element_types.txt: PyTorch's conversions and forward
pooling results for the element types beside float and double, which
tests/test_element_types_golden.cpp replays.

Run with the Python that has PyTorch (Debian: /usr/bin/python3, torch 1.13):

    /usr/bin/python3 tests/golden/generate_element_types.py

Deterministic (fixed seeds, one torch thread): running it again reproduces
the committed file byte for byte.

File format (plain text, whitespace-separated tokens):

    apool_element_types 1
    conversions <count>
      <count> times: <float32 bits> <bfloat16 bits> <float16 bits>
          torch's tensor.to(torch.bfloat16) and .to(torch.float16) of the float
          (a NaN's bits there are those of torch's vectorized conversion,
          not c10's scalar one: the replay asks only for a NaN)
    cases <count>
      <count> times:
      case <name> <spatial> <bfloat16|float16|uint8|int8> <rank> <input extents> <output extents> <avg source>
      input       <input count values>
      avg_output  <output count values>   the average in the input's type
      avg_float   <output count float32 bits> the average of the float values, in float (torch)
      max_output  <output count values>   the float max in the input's type (a NaN: its quiet NaN)
      max_indices <output count decimal integers>

Bits are lowercase hexadecimal (4 digits for 16-bit types, 8 for float32);
uint8 and int8 values are decimal. Arrays are row-major over the logical
extents; the last <spatial> dims are spatial.

Where the values come from:
  - bfloat16 with 1 or 2 spatial dims: torch's own bfloat16 kernels
    (avg source "torch_bfloat16"), which sum in float.
  - bfloat16 with 3 spatial dims and every float16 case (torch 1.13's CPU
    kernels lack them): torch's float kernels on the exactly converted values,
    the average rounded once to the type (avg source "float_rounded_once"),
    as newer PyTorch computes them.
  - uint8 and int8: max values and indices from torch's float kernels on the
    converted values (exact); the average in the input's type is the exact
    quotient rounded to nearest with ties to even, computed here with Python
    integers (avg source "exact_integer"); torch has no such kernel.
  - avg_float: torch's float kernel on the converted values, for every case
    (what a widened float output is compared with).
"""

import os
from fractions import Fraction

import numpy as np
import torch
import torch.nn.functional as F

FORMAT_VERSION = 1
OUTPUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "element_types.txt")

TORCH_TYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "uint8": torch.uint8, "int8": torch.int8}

POOLS = {
    1: (F.adaptive_avg_pool1d, F.adaptive_max_pool1d),
    2: (F.adaptive_avg_pool2d, F.adaptive_max_pool2d),
    3: (F.adaptive_avg_pool3d, F.adaptive_max_pool3d),
}

SHAPES = {
    1: [("non_divisible", (13,), (5,)), ("output_larger", (4,), (9,)), ("global", (11,), (1,)), ("halves", (20,), (10,))],
    2: [("non_divisible", (7, 10), (3, 4)), ("output_larger", (3, 5), (7, 8)), ("global", (9, 11), (1, 1)),
        ("halves", (8, 6), (4, 3))],
    3: [("non_divisible", (5, 4, 6), (3, 3, 4)), ("output_larger", (2, 3, 3), (3, 5, 4)), ("global", (4, 5, 3), (1, 1, 1))],
}

KINDS = ["random", "ties", "special"]

LEADING = [(), (3,), (2, 2)]


def conversion_floats(rng):
    """Float32 bit patterns that exercise both 16-bit roundings."""
    words = [int(w) for w in rng.integers(0, 2**32, 3000, dtype=np.uint64)]
    # float16's range, exponents -27 to 16, random mantissas.
    for _ in range(3000):
        exponent = int(rng.integers(-27, 17))
        mantissa = int(rng.integers(0, 2**23))
        sign = int(rng.integers(0, 2))
        words.append((sign << 31) | ((exponent + 127) << 23) | mantissa)
    # Exact halfway points between neighbouring 16-bit values, and one float
    # ulp to either side.
    for shift, top in ((16, 2**16), (13, 0x47800000 >> 13)):
        for _ in range(1500):
            upper = int(rng.integers(0, top)) << shift
            half = upper | (1 << (shift - 1))
            words += [half, half - 1, half + 1]
    # Specials: zeros, infinities, NaNs, the largest finite values and the overflow edge of float16.
    words += [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7F800001, 0x7F7FFFFF, 0x477FE000,
              0x477FEFFF, 0x477FF000, 0x477FF001, 0x33000000, 0x33000001, 0x32FFFFFF, 0x387FC000, 0x38800000, 0x00000001]
    return [w & 0xFFFFFFFF for w in words]


def bits16(tensor):
    return tensor.contiguous().view(torch.int16).numpy().astype(np.uint16)


def rounded_once(values, dtype_name):
    """A float tensor in a 16-bit type as c10's scalar conversions give it:
    torch's vectorized tensor.to() writes a NaN as 0xFFFF, c10::BFloat16 as
    0x7FC0 and c10::Half as its sign and 0x7E00 (what the bfloat16 kernels write)."""
    bits = bits16(values.to(TORCH_TYPES[dtype_name])).astype(np.int64)
    float_bits = values.contiguous().view(torch.int32).numpy().astype(np.int64) & 0xFFFFFFFF
    nan = np.isnan(values.numpy())
    quiet = 0x7FC0 if dtype_name == "bfloat16" else (0x7E00 | ((float_bits >> 16) & 0x8000))
    bits = np.where(nan, quiet, bits).astype(np.uint16)
    return torch.from_numpy(bits.astype(np.int16)).view(TORCH_TYPES[dtype_name]).reshape(values.shape)


def make_input(dtype_name, kind, shape, rng):
    count = int(np.prod(shape))
    if dtype_name in ("uint8", "int8"):
        low, high = (0, 256) if dtype_name == "uint8" else (-128, 128)
        if kind == "ties":
            values = rng.integers(low, low + 3, count)
        elif kind == "special":
            values = np.where(rng.random(count) < 0.5, high - 1, low)
        else:
            values = rng.integers(low, high, count)
        return torch.from_numpy(values.astype(np.int64)).to(TORCH_TYPES[dtype_name]).reshape(shape)
    values = rng.standard_normal(count) * 8.0
    if kind == "ties":
        values = rng.integers(-1, 2, count).astype(np.float64)
    elif kind == "special":
        pick = rng.random(count)
        values[pick < 0.08] = np.inf
        values[(pick >= 0.08) & (pick < 0.14)] = -np.inf
        values[(pick >= 0.14) & (pick < 0.22)] = np.nan
    tensor = torch.from_numpy(values.astype(np.float32)).to(TORCH_TYPES[dtype_name]).reshape(shape)
    if kind == "special":
        # NaNs with distinct payloads and signs, so a replay sees which NaN a max kept.
        bits = bits16(tensor).reshape(-1)
        nan_positions = np.flatnonzero(np.isnan(tensor.float().numpy().reshape(-1)))
        exponent = 0x7F80 if dtype_name == "bfloat16" else 0x7C00
        for k, position in enumerate(nan_positions):
            bits[position] = (0x8000 if k % 3 == 1 else 0) | exponent | (1 + (k * 37) % 63)
        tensor = torch.from_numpy(bits.astype(np.int16)).view(TORCH_TYPES[dtype_name]).reshape(shape)
    return tensor


def exact_integer_average(x, spatial, out_spatial):
    """Round-half-even averages of integer windows, with PyTorch's windows."""
    values = x.to(torch.int64).numpy()
    leading = values.shape[: values.ndim - spatial]
    in_spatial = values.shape[values.ndim - spatial:]
    result = np.zeros(leading + tuple(out_spatial), dtype=np.int64)
    for out_index in np.ndindex(*out_spatial):
        box = []
        for d in range(spatial):
            start = (out_index[d] * in_spatial[d]) // out_spatial[d]
            end = -((-(out_index[d] + 1) * in_spatial[d]) // out_spatial[d])
            box.append(slice(start, end))
        window = values[(Ellipsis,) + tuple(box)]
        count = int(np.prod([s.stop - s.start for s in box]))
        sums = window.reshape(leading + (-1,)).sum(axis=-1)
        for plane in np.ndindex(*leading) if leading else [()]:
            result[plane + tuple(out_index)] = round(Fraction(int(sums[plane]), count))
    return torch.from_numpy(result).to(x.dtype)


def pool(spatial, x, out_spatial):
    leading = tuple(x.shape[: x.dim() - spatial])
    planes = int(np.prod(leading)) if leading else 1
    reshaped = x.reshape((1, planes) + tuple(x.shape[x.dim() - spatial:]))
    avg_pool, max_pool = POOLS[spatial]
    avg = avg_pool(reshaped, tuple(out_spatial)).reshape(leading + tuple(out_spatial))
    maximum, indices = max_pool(reshaped, tuple(out_spatial), return_indices=True)
    return avg, maximum.reshape(leading + tuple(out_spatial)), indices.reshape(leading + tuple(out_spatial))


def words(tensor, dtype_name):
    if dtype_name in ("uint8", "int8"):
        return " ".join(str(int(v)) for v in tensor.reshape(-1).to(torch.int64).numpy())
    if dtype_name == "float32":
        return " ".join(format(int(b), "08x") for b in tensor.contiguous().reshape(-1).view(torch.int32).numpy().astype(np.uint32))
    return " ".join(format(int(b), "04x") for b in bits16(tensor).reshape(-1))


def main():
    torch.set_num_threads(1)
    lines = [f"apool_element_types {FORMAT_VERSION}"]
    rng = np.random.default_rng(19)
    floats = conversion_floats(rng)
    as_float = torch.from_numpy(np.array(floats, dtype=np.uint32).view(np.int32)).view(torch.float32)
    bf16 = bits16(as_float.to(torch.bfloat16))
    f16 = bits16(as_float.to(torch.float16))
    lines.append(f"conversions {len(floats)}")
    lines += [f"{w:08x} {int(b):04x} {int(h):04x}" for w, b, h in zip(floats, bf16, f16)]

    blocks = []
    case_number = 0
    for dtype_name in TORCH_TYPES:
        for spatial in (1, 2, 3):
            for shape_number, (shape_name, in_spatial, out_spatial) in enumerate(SHAPES[spatial]):
                for kind_number, kind in enumerate(KINDS):
                    case_number += 1
                    name = f"{spatial}d_{dtype_name}_{shape_name}_{kind}"
                    leading = LEADING[(shape_number + kind_number) % len(LEADING)]
                    case_rng = np.random.default_rng(5000 + case_number)
                    x = make_input(dtype_name, kind, tuple(leading) + tuple(in_spatial), case_rng)
                    as_float32 = x.to(torch.float32)
                    avg_float, max_float, indices = pool(spatial, as_float32, out_spatial)
                    # The float max rounded to the type: the element's value, and
                    # for a NaN the type's quiet NaN, as torch's bfloat16 kernel writes it.
                    if dtype_name in ("uint8", "int8"):
                        max_output = max_float.to(TORCH_TYPES[dtype_name])
                    else:
                        max_output = rounded_once(max_float, dtype_name)
                    if dtype_name in ("uint8", "int8"):
                        source = "exact_integer"
                        avg = exact_integer_average(x, spatial, out_spatial)
                    elif dtype_name == "bfloat16" and spatial < 3:
                        source = "torch_bfloat16"
                        avg, max_native, indices_native = pool(spatial, x, out_spatial)
                        # torch's bfloat16 max agrees with its float max on the converted values.
                        assert np.array_equal(bits16(max_native), bits16(max_output)), name
                        assert torch.equal(indices_native, indices)
                    else:
                        source = "float_rounded_once"
                        avg = rounded_once(avg_float, dtype_name)
                    rank = len(leading) + spatial
                    header = ["case", name, str(spatial), dtype_name, str(rank)]
                    header += [str(e) for e in tuple(leading) + tuple(in_spatial)]
                    header += [str(e) for e in tuple(leading) + tuple(out_spatial)]
                    header.append(source)
                    blocks.append("\n".join([
                        " ".join(header),
                        "input " + words(x, dtype_name),
                        "avg_output " + words(avg, dtype_name),
                        "avg_float " + words(avg_float, "float32"),
                        "max_output " + words(max_output, dtype_name),
                        "max_indices " + " ".join(str(int(i)) for i in indices.reshape(-1).numpy()),
                    ]))
    lines.append(f"cases {len(blocks)}")
    lines += blocks
    with open(OUTPUT_PATH, "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"wrote {len(blocks)} cases and {len(floats)} conversions to {OUTPUT_PATH}")


if __name__ == "__main__":
    main()
