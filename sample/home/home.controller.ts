import { Controller, Get } from '@nestjs/common';
import { RouteIndex, type RouteEntry } from './route-index.js';

export interface HomePage {
  name: string;
  routes: RouteEntry[];
  websocket: string;
  console: string;
}

/** `GET /`: what a newcomer who opens http://localhost:3000 can try, instead of a 404. */
@Controller()
export class HomeController {
  constructor(private readonly index: RouteIndex) {}

  @Get()
  home(): HomePage {
    return { name: 'voice-assistant', routes: this.index.routes(), websocket: '/bus-events', console: '/bus-admin' };
  }
}
