"""Generates the synthetic demo images (run once; the outputs are committed, a few KB each).

Nothing here depicts anything: seeded gradients, circles and stripes. Requires Pillow (dev only):
    python3 demo/generate-images.py
"""
import random
from PIL import Image, ImageDraw

def scene(seed, size=(640, 480)):
    r = random.Random(seed)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    w, h = size
    for y in range(h):  # a vertical gradient between two seeded colours
        t = y / (h - 1)
        a, b = [r.randrange(256) for _ in range(3)], [r.randrange(256) for _ in range(3)]
        if y == 0:
            scene.top, scene.bottom = a, b
        c = tuple(int(scene.top[i] * (1 - t) + scene.bottom[i] * t) for i in range(3))
        draw.line([(0, y), (w, y)], fill=c)
    for _ in range(12):
        x, y, rad = r.randrange(w), r.randrange(h), r.randrange(20, 120)
        draw.ellipse([x - rad, y - rad, x + rad, y + rad], fill=tuple(r.randrange(256) for _ in range(3)))
    for _ in range(6):
        x = r.randrange(w)
        draw.rectangle([x, 0, x + r.randrange(5, 40), h], fill=tuple(r.randrange(256) for _ in range(3)))
    return image

a = scene(1)
a.save("demo/images/scene-a.jpg", quality=90)
# The same picture re-encoded smaller, as a re-upload would be: the demo list holds scene-a's PDQ,
# so this file matches by PDQ within a small distance though its bytes differ.
a.resize((480, 360), Image.LANCZOS).save("demo/images/scene-a-reupload.jpg", quality=70)
scene(2).save("demo/images/scene-b.png")
scene(3, (320, 320)).convert("L").save("demo/images/scene-c-grey.png")
scene(4).save("demo/images/scene-d.webp", quality=80)
