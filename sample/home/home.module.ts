import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HomeController } from './home.controller.js';
import { RouteIndex } from './route-index.js';

@Module({
  imports: [DiscoveryModule],
  controllers: [HomeController],
  providers: [RouteIndex],
})
export class HomeModule {}
