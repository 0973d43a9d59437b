Bcam_gradcam++J@F‡Z>Â”N>oÊ3>
C>¸¶H>JJ>Â4Y>_ov>£~l>î©a>¥×2>\=>Ðq>é—s>Âtw>NW>