"""Tiny procedurally generated video datasets in the on-disk format of GOT-10k, for smoke tests and benchmarks
of the training pipeline (no download needed)."""
import os
from typing import List

import cv2
import numpy as np


def write_got10k_fixture(root: str, num_sequences: int = 4, num_frames: int = 24, image_size: int = 96,
                         seed: int = 0) -> List[str]:
    """Write a GOT-10k-style ``train`` folder with a textured rectangle moving over a noisy background.

    args:
        root - folder to create (it receives ``list.txt`` and one folder per sequence).
        num_sequences - number of sequences.
        num_frames - frames per sequence.
        image_size - width and height of the frames in pixels.
        seed - seed of the generator; the same seed writes the same files.
    returns:
        the sequence folder names.
    """
    rng = np.random.RandomState(seed)
    os.makedirs(root, exist_ok=True)
    names = ['GOT-10k_Train_{:06d}'.format(i + 1) for i in range(num_sequences)]
    for name in names:
        seq_dir = os.path.join(root, name)
        os.makedirs(seq_dir, exist_ok=True)
        background = rng.randint(0, 256, size=(image_size // 8, image_size // 8, 3)).astype(np.uint8)
        background = cv2.resize(background, (image_size, image_size), interpolation=cv2.INTER_LINEAR)
        color = rng.randint(0, 256, size=3)
        w, h = rng.uniform(0.15, 0.35, size=2) * image_size
        x, y = rng.uniform(0.1, 0.9 - max(w, h) / image_size, size=2) * image_size
        vx, vy = rng.uniform(-2, 2, size=2)
        boxes = []
        for f in range(num_frames):
            x = float(np.clip(x + vx, 0, image_size - w - 1))
            y = float(np.clip(y + vy, 0, image_size - h - 1))
            frame = background.copy()
            x0, y0, x1, y1 = int(round(x)), int(round(y)), int(round(x + w)), int(round(y + h))
            frame[y0:y1, x0:x1] = color
            # A checker pattern on the target gives the backbone some texture to respond to.
            frame[y0:y1:4, x0:x1:4] = 255 - color
            noise = rng.randint(-10, 11, size=frame.shape)
            frame = np.clip(frame.astype(np.int32) + noise, 0, 255).astype(np.uint8)
            cv2.imwrite(os.path.join(seq_dir, '{:08d}.jpg'.format(f + 1)), frame[:, :, ::-1])
            boxes.append((x0, y0, x1 - x0, y1 - y0))
        np.savetxt(os.path.join(seq_dir, 'groundtruth.txt'), np.array(boxes), fmt='%d', delimiter=',')
        with open(os.path.join(seq_dir, 'absence.label'), 'w') as f:
            f.write('\n'.join('0' for _ in range(num_frames)) + '\n')
        with open(os.path.join(seq_dir, 'cover.label'), 'w') as f:
            f.write('\n'.join('8' for _ in range(num_frames)) + '\n')
        with open(os.path.join(seq_dir, 'meta_info.ini'), 'w') as f:
            f.write('[METAINFO]\nobject_class: box\nmotion_class: moving\nmajor_class: box\nroot_class: object\n')
    with open(os.path.join(root, 'list.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    return names
