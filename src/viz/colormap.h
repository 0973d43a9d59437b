/* colormap.h — the two colour tables of the book's pictures, embedded verbatim (see
 * tools/fixtures/make_colormaps.py): never derived from formulas. */
#ifndef CLVIS_VIZ_COLORMAP_H
#define CLVIS_VIZ_COLORMAP_H

/* matplotlib viridis as imshow draws it (RGB, bytes=True: truncated lut * 255). */
extern const unsigned char cmap_viridis[256][3];
/* OpenCV COLORMAP_JET, BGR order, entry i = cv2.applyColorMap(uint8 i). */
extern const unsigned char cmap_jet_bgr[256][3];

#endif
