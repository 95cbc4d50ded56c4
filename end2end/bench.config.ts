// The browser benchmark (scripts/bench first-use): the test suite's Herald and Chromium, with the
// scripts in ./bench, which measure and print rather than assert.
import { defineConfig } from '@playwright/test';
import config from './playwright.config';

export default defineConfig({ ...config, testDir: './bench', timeout: 180_000 });
