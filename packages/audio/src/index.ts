export const PACKAGE_NAME = '@selfsup/audio';
