/** Standard ViT sizes: width / depth / heads (MLP ratio 4). */
export type VitSize = 'tiny' | 'small' | 'base' | 'large';

/**
 * Width, depth and heads of each {@link VitSize}, as timm's `vit_tiny` ... `vit_large` (MLP
 * ratio 4).
 *
 * @example
 * ```ts
 * VIT_SIZES.small; // { embedDim: 384, depth: 12, numHeads: 6 }
 * ```
 */
export const VIT_SIZES: Readonly<
  Record<VitSize, { embedDim: number; depth: number; numHeads: number }>
> = {
  tiny: { embedDim: 192, depth: 12, numHeads: 3 },
  small: { embedDim: 384, depth: 12, numHeads: 6 },
  base: { embedDim: 768, depth: 12, numHeads: 12 },
  large: { embedDim: 1024, depth: 24, numHeads: 16 },
};
