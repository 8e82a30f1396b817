#!/usr/bin/env node
import { cliEntry } from './entry.ts';

cliEntry();
