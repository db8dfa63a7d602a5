"""The renderer of synthetic fashion photographs that tools/synthetic.py writes to disk.

Each image shows one garment (a dress, a shirt, a pair of jeans, shorts or shoes) in one colour
family (black, blue, red, white, brown or green), drawn with OpenCV and NumPy on a varied
background, sometimes worn by a plain mannequin-like figure or hung on a hanger, sometimes next
to small unrelated objects. The item can only be told from its shape and the colour only from
the garment itself: backgrounds, figures and distractors are drawn from the same distribution
for every class. All randomness comes from the generator passed in, so the same generator state
and library versions always give the same pixels.

One module per job, each importing only those before it:
    colours   colour families, backdrop colours, skin tones, palettes
    drawing   shapes in unit coordinates, masks, painting one layer over another
    clothes   geometry of a dress and a shirt, of the figure and the hanger
    trousers  geometry of jeans and shorts
    shoes     geometry of a pair of shoes
    painting  shading and painting a garment and what holds it
    scene     backdrop, distractors, placement, lighting, lens: render_scene, render_garment

Usage:
    from tools import renderer  # or `import renderer` from a script in tools/
    image = renderer.render_garment(np.random.default_rng(0), "red", "dress", size=128)
"""

from .colours import COLOURS
from .painting import ITEMS
from .scene import SIZE, check_garment, render_garment, render_scene

__all__ = ["COLOURS", "ITEMS", "SIZE", "check_garment", "render_garment", "render_scene"]
