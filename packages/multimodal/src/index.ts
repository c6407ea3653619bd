export const PACKAGE_NAME = '@selfsup/multimodal';
